// Progressive @override: each percent(N) label is drawn per request, on with probability N%, and
// plans are cached per combination of labels (the compliance suite runs percent(0) and
// percent(100) end to end; the draw itself is checked here with a chosen random source).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Supergraph } from '@apollo/federation-internals';
import { OverrideLabels } from '../../../gateway/src/federation/executor/plan-corrections/override-labels.ts';
import { composeForTest } from '../../support/gateway.ts';

const link = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@override"])';

function supergraph(fields: string): Supergraph {
  const sdl = composeForTest([
    { name: 'old', routingUrl: 'http://127.0.0.1:1/graphql', sdl: `${link} type Query { a: A } type A @key(fields: "id") { id: ID! x: Int y: Int z: Int }` },
    { name: 'new', routingUrl: 'http://127.0.0.1:2/graphql', sdl: `${link} type A @key(fields: "id") { id: ID! ${fields} }` },
  ]);
  return Supergraph.build(sdl);
}

test('percent labels are drawn against the random source; other labels are never drawn', () => {
  const labels = OverrideLabels.build(
    supergraph('x: Int @override(from: "old", label: "percent(50)") y: Int @override(from: "old", label: "percent(12.5)") z: Int @override(from: "old", label: "my-flag")'),
  );
  assert.ok(labels);
  const draw = (value: number) => {
    const { key, conditions } = labels.draw(() => value);
    return { key, conditions: Object.fromEntries(conditions) };
  };
  assert.deepEqual(draw(0.1), { key: '11', conditions: { 'percent(50)': true, 'percent(12.5)': true } });
  assert.deepEqual(draw(0.2), { key: '10', conditions: { 'percent(50)': true, 'percent(12.5)': false } });
  assert.deepEqual(draw(0.5), { key: '00', conditions: { 'percent(50)': false, 'percent(12.5)': false } });
});

test('a supergraph without percentage labels draws nothing', () => {
  assert.equal(OverrideLabels.build(supergraph('x: Int @override(from: "old")')), undefined);
  assert.equal(OverrideLabels.build(supergraph('x: Int @override(from: "old", label: "my-flag")')), undefined);
});
