import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startDemoBackendsAndSubgraphs, type DemoStack } from '../support/demo-stack.ts';
import { entitiesQuery, post } from './graphql-client.ts';

describe('reviews subgraph', () => {
  let stack: DemoStack;
  let url: string;
  const reviewServiceCalls = () => stack.backends.calls.records.filter((r) => r.service === 'review-service');

  before(async () => {
    stack = await startDemoBackendsAndSubgraphs();
    url = stack.subgraphs.urls.reviews;
  });
  after(() => stack.stop());
  beforeEach(() => stack.backends.calls.clear());

  it('resolves several products with one GetSummaries and one ListReviewsByProducts call', async () => {
    const reps = ['p1', 'p4', 'p8'].map((upc) => ({ __typename: 'Product', upc }));
    const selection = 'upc reviewSummary { averageRating count } reviews(first: 2) { id rating author { id username } product { upc } }';
    const reply = await post(url, entitiesQuery('Product', selection), { reps });
    assert.equal(reply.body.errors, undefined);
    const [p1, p4, p8] = reply.body.data._entities;
    assert.deepEqual(p1.reviewSummary, { averageRating: 4, count: 3 });
    assert.deepEqual(p1.reviews[0], { id: 'r11', rating: 3, author: { id: 'u2', username: 'bob' }, product: { upc: 'p1' } });
    assert.equal(p4.reviews.length, 2);
    assert.deepEqual(p8, { __typename: 'Product', upc: 'p8', reviewSummary: { averageRating: null, count: 0 }, reviews: [] });
    assert.deepEqual(reviewServiceCalls().map((r) => [r.method, r.keys]).sort(), [
      ['GetSummaries', ['p1', 'p4', 'p8']],
      ['ListReviewsByProducts', ['p1', 'p4', 'p8']],
    ]);
  });

  it('latestReviews returns the newest reviews with the provided author username', async () => {
    const reply = await post(url, '{ latestReviews(first: 2) { id body author { username } } }');
    assert.deepEqual(reply.body.data.latestReviews.map((r: { id: string }) => r.id), ['r11', 'r4']);
    assert.equal(reply.body.data.latestReviews[1].author.username, 'alice');
    assert.deepEqual(reviewServiceCalls().map((r) => r.method), ['LatestReviews']);
  });

  it('answers _service { sdl } with the @provides field', async () => {
    const reply = await post(url, '{ _service { sdl } }');
    assert.match(reply.body.data._service.sdl, /author: User @provides\(fields: "username"\)/);
  });

  it('answers a bad query with GraphQL error JSON', async () => {
    const reply = await post(url, '{ latestReviews(first: "three") { id } }');
    assert.equal(reply.status, 200);
    assert.ok(reply.body.errors?.[0]?.message);
    assert.equal(reviewServiceCalls().length, 0);
  });
});
