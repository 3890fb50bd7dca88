// Reading @cost and @listSize: under every name a schema can give them, from types, fields,
// arguments and input fields.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildCostModel, estimateCost } from '../../../gateway/src/cost/index.ts';
import { composeSupergraph, modelOf } from './helpers.ts';

function field(model: ReturnType<typeof buildCostModel>, type: string, name: string) {
  const f = model.types.get(type)?.fields.get(name);
  assert.ok(f, `${type}.${name} not in the model`);
  return f;
}

describe('buildCostModel', () => {
  it('keeps what composition carried into the supergraph', () => {
    const model = modelOf(['shop', 'shop-shipping']);
    assert.deepEqual(field(model, 'Query', 'products').listSize, {
      assumedSize: 20,
      slicingArguments: ['first', 'last'],
      sizedFields: undefined,
      requireOneSlicingArgument: false,
    });
    assert.deepEqual([...(field(model, 'Query', 'productConnection').listSize?.sizedFields ?? [])], ['edges', 'nodes']);
    assert.equal(field(model, 'Query', 'window').listSize?.requireOneSlicingArgument, true);
    assert.equal(field(model, 'Query', 'ratingCount').weight, 3);
    // Type weights: an enum, a custom scalar, an object.
    assert.equal(field(model, 'Product', 'status').weight, 2);
    assert.equal(field(model, 'Query', 'config').weight, 7);
    assert.equal(field(model, 'Query', 'categories').weight, 3);
    // Defaults: composite 1, scalar 0, no explicit weight.
    assert.equal(field(model, 'Query', 'product').weight, 1);
    assert.equal(field(model, 'Product', 'name').weight, 0);
    assert.equal(field(model, 'Product', 'name').explicitWeight, undefined);
    // Arguments and input fields.
    assert.equal(field(model, 'Query', 'search').args.get('filter')?.weight, 4);
    assert.equal(model.inputTypes.get('SearchFilter')?.get('inStock')?.weight, 2);
    assert.equal(field(model, 'Query', 'topProducts').args.get('limit')?.defaultInt, 5);
    // @requires from @join__field.
    assert.ok(field(model, 'Product', 'shippingCost').requires);
    assert.deepEqual([...(model.possibleTypes.get('SearchResult') ?? [])].sort(), ['Category', 'Product']);
  });

  it('follows renamed imports through the supergraph @link', () => {
    const renamed = `
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.9",
        import: [{ name: "@cost", as: "@price" }, { name: "@listSize", as: "@pageOf" }])
      type Query { items: [Item] @pageOf(assumedSize: 3) }
      type Item @price(weight: 4) { id: ID }`;
    const sdl = composeSupergraph({ name: 'renamed', sdl: renamed });
    assert.match(sdl, /@link\(url: "https:\/\/specs\.apollo\.dev\/cost\/v0\.1", import: \[\{name: "@cost", as: "@price"\}/);
    // 3 × Item 4
    assert.equal(estimateCost(buildCostModel(sdl), '{ items { id } }', undefined, {}), 12);
  });

  it('reads a cost link with a namespace: @ns and @ns__listSize', () => {
    const sdl = `
      extend schema @link(url: "https://specs.apollo.dev/cost/v0.1", as: "ns")
      type Query { items: [Item] @ns__listSize(assumedSize: 2) one: Item @ns(weight: 6) }
      type Item { id: ID }`;
    // items 2 × 1 + one 6
    assert.equal(estimateCost(buildCostModel(sdl), '{ items { id } one { id } }', undefined, {}), 8);
  });

  it('reads a plain schema that declares the directives, with IBM-style String weights', () => {
    const sdl = `
      directive @cost(weight: String!) on FIELD_DEFINITION | OBJECT | ARGUMENT_DEFINITION
      directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
      type Query { users(max: Int): [User] @listSize(slicingArguments: ["max"]) }
      type User { age: Int @cost(weight: "2.5") }`;
    // 4 × (User 1 + age 2.5)
    assert.equal(estimateCost(buildCostModel(sdl), '{ users(max: 4) { age } }', undefined, {}), 14);
  });

  it('ignores directives of the same name from another spec when the cost spec names them otherwise', () => {
    const sdl = `
      extend schema @link(url: "https://specs.apollo.dev/cost/v0.1", import: [{ name: "@cost", as: "@weight" }])
      type Query { a: A @cost(weight: 100) b: A @weight(weight: 9) }
      type A { id: ID }`;
    const model = buildCostModel(sdl);
    assert.equal(field(model, 'Query', 'a').weight, 1);
    assert.equal(field(model, 'Query', 'b').weight, 9);
  });
});
