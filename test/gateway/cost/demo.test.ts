// The demo supergraph (supergraph.yaml) carries the subgraphs' @cost and @listSize, and prices the
// home-screen query.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { composeFromConfigFile, formatCompositionIssues } from '../../../gateway/src/schema/compose.ts';
import { actualCost, buildCostModel, estimateCost, type CostModel } from '../../../gateway/src/cost/index.ts';

const repoFile = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');
const HOME_SCREEN = repoFile('subgraphs/home-screen.graphql');

describe('the demo supergraph', () => {
  let sdl: string;
  let model: CostModel;

  before(async () => {
    const outcome = await composeFromConfigFile(new URL('../../../supergraph.yaml', import.meta.url).pathname);
    if (!outcome.ok) assert.fail(formatCompositionIssues(outcome.errors));
    sdl = outcome.supergraphSdl;
    model = buildCostModel(sdl);
  });

  it('keeps the subgraphs\' cost directives', () => {
    assert.match(sdl, /@link\(url: "https:\/\/specs\.apollo\.dev\/cost\/v0\.1"/);
    assert.match(sdl, /featuredProducts\(first: Int = 4\): \[Product!\]! @join__field\(graph: CATALOG\) @listSize\(slicingArguments: \["first"\]\)/);
    assert.match(sdl, /recentOrders\(first: Int = 3\): \[Order!\]! @join__field\(graph: ORDERS\) @listSize\(slicingArguments: \["first"\]\)/);
    assert.match(sdl, /items: \[OrderItem!\]! @listSize\(assumedSize: 5\)/);
    assert.match(sdl, /latestReviews\(first: Int = 3\): \[Review!\]! @join__field\(graph: REVIEWS\) @listSize\(slicingArguments: \["first"\]\)/);
    assert.match(sdl, /reviews\(first: Int = 3\): \[Review!\]! @join__field\(graph: REVIEWS\) @listSize\(slicingArguments: \["first"\]\)/);
    assert.match(sdl, /reviewSummary: ReviewSummary @join__field\(graph: REVIEWS\) @cost\(weight: 5\)/);
  });

  it('estimates the home-screen query at 179', () => {
    // product (in an order item) = Product 1 + price Money 1 + shippingEstimate's @requires
    //   price { amount } Money 1 + reviewSummary @cost 5 = 8
    // user = User 1 + recentOrders 3 × (Order 1 + total Money 1 + items 5 × (OrderItem 1 + product 8)) = 1 + 3 × 47 = 142
    // featuredProducts 4 × (Product 1 + Money 1 + reviewSummary 5) = 28
    // latestReviews 3 × (Review 1 + author User 1 + product Product 1) = 9
    assert.equal(estimateCost(model, HOME_SCREEN, 'HomeScreen', { userId: 'u1' }), 179);
  });

  it('costs the demo data\'s response at 89', () => {
    const response = JSON.parse(repoFile('test/e2e/home-screen.expected.json')) as { data: unknown };
    // user 1 + 3 orders × (1 + total 1) + 5 order items × (1 + product 8) = 1 + 6 + 45 = 52
    // featuredProducts 4 × 7 = 28, latestReviews 3 × 3 = 9
    assert.equal(actualCost(model, HOME_SCREEN, 'HomeScreen', { userId: 'u1' }, response.data), 89);
  });
});
