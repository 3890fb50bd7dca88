// Issue 15 part 5: the demo's GET /api/v1/home (gateway/gateway.yaml as shipped) through the real
// REST/gRPC-backed subgraphs: the HomeScreen trusted document with userId from the query string,
// the same data as the GraphQL path, the Cache-Control the subgraphs' hints give, ETag/304, the
// persisted-only mobile profile, and the OpenAPI 3.1 document, validated by a validator package and
// checked against the endpoint and its real answers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import { startShippedDemo, type ShippedDemo } from '../../support/demo-gateway.ts';
import type { DemoStack } from '../../support/demo-stack.ts';
import { get } from './helpers.ts';

const HOME_SCREEN_ID = 'sha256:23835e6334f074ab5d632444a2af931b7c9f77f31cf60cd5116f1bb3557417a0';

describe('the demo: GET /api/v1/home and its OpenAPI document', () => {
  let demo: ShippedDemo;
  let stack: DemoStack;
  let gateway: RunningGateway;
  let origin: string;

  before(async () => {
    demo = await startShippedDemo();
    ({ stack, gateway } = demo);
    origin = `http://127.0.0.1:${gateway.port}`;
  });
  after(async () => {
    await demo?.stop();
  });

  test('the body is the data of the HomeScreen trusted document run over GraphQL, for the mobile app too', async () => {
    const graphql = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ documentId: HOME_SCREEN_ID, variables: { userId: 'u1' } }) });
    const { data } = (await graphql.json()) as { data: Record<string, unknown> };
    assert.deepEqual(Object.keys(data), ['user', 'featuredProducts', 'latestReviews']);
    const rest = await get(`${origin}/api/v1/home?userId=u1`);
    assert.equal(rest.status, 200);
    assert.deepEqual(rest.body, data);
    // The persisted-only mobile profile (by client name) may run it: it is a trusted document.
    const mobile = await get(`${origin}/api/v1/home?userId=u1`, { 'apollographql-client-name': 'tollgate-ios' });
    assert.equal(mobile.status, 200);
    assert.equal(mobile.text, rest.text);
  });

  test('private, max-age=30 from the hints (a user\'s recent orders); ETag and 304', async () => {
    const first = await get(`${origin}/api/v1/home?userId=u1`);
    assert.equal(first.headers.get('cache-control'), 'private, max-age=30');
    const etag = first.headers.get('etag');
    assert.match(etag ?? '', /^"[A-Za-z0-9_-]{43}"$/);
    const again = await get(`${origin}/api/v1/home?userId=u1`, { 'if-none-match': etag! });
    assert.equal(again.status, 304);
    assert.equal(again.text, '');
    const other = await get(`${origin}/api/v1/home?userId=u2`, { 'if-none-match': etag! });
    assert.equal(other.status, 200);
  });

  test('a missing userId is 400 INVALID_PARAMETER and no backend is called', async () => {
    stack.backends.calls.clear();
    const result = await get(`${origin}/api/v1/home`);
    assert.equal(result.status, 400);
    assert.deepEqual({ ...result.body.errors[0].extensions, requestId: undefined }, { code: 'INVALID_PARAMETER', parameter: 'userId', reason: 'missing', requestId: undefined });
    assert.equal(stack.backends.calls.records.length, 0);
  });

  test('the OpenAPI document validates as OpenAPI 3.1 and describes the endpoint and its real answers', async () => {
    const response = await get(`${origin}/api/openapi.json`);
    assert.equal(response.status, 200);
    const document = response.body;
    assert.equal(document.openapi, '3.1.0');
    // @apidevtools/swagger-parser: the OpenAPI 3.1 schema and the spec's rules (it changes what it is given).
    await SwaggerParser.validate(structuredClone(document));

    assert.deepEqual(Object.keys(document.paths), ['/api/v1/home']);
    const operation = document.paths['/api/v1/home'].get;
    assert.equal(operation.operationId, 'HomeScreen');
    assert.deepEqual(
      operation.parameters.map((p: any) => [p.name, p.in, p.required, p.schema]),
      [
        ['userId', 'query', true, { type: 'string' }],
        ['If-None-Match', 'header', false, { type: 'string' }],
      ],
    );
    assert.deepEqual(Object.keys(document.components.securitySchemes).sort(), ['apiKey', 'bearerAuth']);
    assert.equal(operation.responses['200'].headers['Cache-Control'].schema.example, 'private, max-age=30');

    // The real answers fit the schemas the document gives (JSON Schema 2020-12, OpenAPI 3.1's dialect).
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    const ok = ajv.compile(operation.responses['200'].content['application/json'].schema);
    for (const userId of ['u1', 'u2', 'nobody']) {
      const answer = await get(`${origin}/api/v1/home?userId=${userId}`);
      assert.ok(ok(answer.body), `${userId}: ${JSON.stringify(ok.errors)}`);
    }
    // Every property the selection makes is in the schema, no more (additionalProperties: false), so a wrong schema fails here.
    assert.equal(ok({ user: null, featuredProducts: [], latestReviews: [], extra: 1 }), false);
    assert.equal(ok({ user: null, featuredProducts: [{ upc: 'p1' }], latestReviews: [] }), false, 'a product without its selected fields');
    const errors = ajv.compile(document.components.schemas.Errors);
    const refused = await get(`${origin}/api/v1/home?userId=a&userId=b`);
    assert.ok(errors(refused.body), JSON.stringify(errors.errors));
  });

  test('the OpenAPI document has an ETag and answers 304; POST is 405', async () => {
    const first = await get(`${origin}/api/openapi.json`);
    assert.equal(first.headers.get('cache-control'), 'no-cache');
    const again = await get(`${origin}/api/openapi.json`, { 'if-none-match': first.headers.get('etag')! });
    assert.equal(again.status, 304);
    const post = await fetch(`${origin}/api/openapi.json`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.ok(post.headers.get('x-request-id'));
  });
});
