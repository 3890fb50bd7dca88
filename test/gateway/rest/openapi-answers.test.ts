// The OpenAPI document declares every status a REST endpoint answers and the headers the gateway
// sends with each (ETag, Cache-Control, Retry-After, the rate-limit headers, WWW-Authenticate, the
// request id), and only those its configuration makes possible. Checked against real answers: each
// one's status is declared, its body fits the declared schema (Ajv), every header the gateway sent
// is declared for that status with a value its schema accepts, and every required one was sent.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { openApiDocument, type OpenApiEndpoint } from '../../../gateway/src/rest/openapi.ts';
import type { FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { apiKeysFor } from '../quota/helpers.ts';
import { get, startShopGateway, startShopSubgraph, type RestResult, type ShopGateway } from './helpers.ts';

/** The response headers the gateway itself sets on REST answers. */
const GATEWAY_HEADERS = [
  'etag', 'cache-control', 'retry-after', 'www-authenticate', 'x-request-id', 'ratelimit', 'ratelimit-policy', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset',
  'vary', 'access-control-allow-origin', 'access-control-allow-credentials', 'access-control-expose-headers',
];
/** The page origin every request of the real-answer test comes from (CORS allows it). */
const WEB = 'https://web.example.com';

describe('the OpenAPI document declares the statuses and headers of real answers', () => {
  let subgraph: FixtureSubgraph;
  let shop: ShopGateway;
  let document: any;
  const { keys, config: apiKeys } = apiKeysFor([{ clientId: 'tiny-app' }]);
  const ajv = new Ajv2020({ strict: false, validateFormats: false });

  before(async () => {
    subgraph = await startShopSubgraph();
    shop = await startShopGateway(subgraph, {
      authentication: { api_keys: apiKeys },
      cors: { origins: [WEB], allow_credentials: true, expose_headers: ['x-request-id'] },
      quotas: { rules: [{ key: ['client'], requests: { limit: 1000, window_s: 3600 }, clients: { 'tiny-app': { requests: { limit: 1, window_s: 3600 } } } }] },
      traffic_shaping: { all: { timeout_ms: 300, retry: { enabled: false } } },
      rest_endpoints: {
        endpoints: {
          '/items/one': { document_id: 'item', response_path: 'item' },
          '/items': { document_id: 'items' },
          '/secret': { document_id: 'secret' },
          '/broken': { document_id: 'broken' },
        },
      },
    });
    document = (await get(`${shop.origin}/api/openapi.json`)).body;
  });
  after(async () => {
    await shop?.stop();
    await subgraph?.stop();
  });

  test('it validates as OpenAPI 3.1', async () => {
    await SwaggerParser.validate(structuredClone(document));
  });

  test('every status the endpoints can answer is declared, with the error body on each error', () => {
    const statuses = (path: string) => Object.keys(document.paths[path].get.responses);
    assert.deepEqual(statuses('/items/one'), ['200', '304', '400', '401', '403', '404', '406', '429', '500', '502', '503', '504']);
    assert.deepEqual(statuses('/items'), ['200', '304', '400', '401', '403', '406', '429', '500', '502', '503', '504'], 'no 404 without a response_path');
    for (const [status, response] of Object.entries<any>(document.paths['/items'].get.responses)) {
      if (Number(status) >= 400) assert.deepEqual(response.content['application/json'].schema, { $ref: '#/components/schemas/Errors' }, status);
    }
  });

  /** Checks one real answer of the endpoint at `path` against what the document declares for its status. */
  function conforms(path: string, answer: RestResult): void {
    const response = document.paths[path].get.responses[String(answer.status)];
    assert.ok(response, `${path}: ${answer.status} is declared`);
    const declared = new Map(Object.entries<any>(response.headers ?? {}).map(([name, header]) => [name.toLowerCase(), header.$ref ? document.components.headers[header.$ref.split('/').pop()] : header]));
    for (const name of GATEWAY_HEADERS) {
      const value = answer.headers.get(name);
      if (value === null) {
        assert.notEqual(declared.get(name)?.required, true, `${path} ${answer.status}: the required ${name} was sent`);
        continue;
      }
      const header = declared.get(name);
      assert.ok(header, `${path} ${answer.status}: ${name} is declared`);
      const typed = header.schema.type === 'integer' ? Number(value) : value;
      assert.ok(ajv.validate(header.schema, typed), `${path} ${answer.status}: ${name}: ${value} fits ${JSON.stringify(header.schema)}`);
    }
    if (answer.status === 304) return;
    const schema = response.content['application/json'].schema;
    const resolved = schema.$ref ? document.components.schemas[schema.$ref.split('/').pop()] : schema;
    assert.ok(ajv.validate(resolved, answer.body), `${path} ${answer.status}: ${JSON.stringify(ajv.errors)}`);
  }

  test('200, 304, 400, 401, 403, 404, 406, 429, 502 and 504 answers fit their declarations', async () => {
    // From an allowed page: the CORS headers and `vary` are on every answer.
    const fromPage = (url: string, headers: Record<string, string> = {}) => get(url, { origin: WEB, ...headers });
    const ok = await fromPage(`${shop.origin}/items/one?id=i1`);
    assert.equal(ok.status, 200);
    assert.ok(ok.headers.get('x-ratelimit-remaining'), 'counted by the quota');
    assert.equal(ok.headers.get('access-control-allow-origin'), WEB);
    assert.ok(ok.headers.get('vary'));
    conforms('/items/one', ok);
    const notModified = await fromPage(`${shop.origin}/items/one?id=i1`, { 'if-none-match': ok.headers.get('etag')! });
    assert.equal(notModified.status, 304);
    conforms('/items/one', notModified);
    const answers: Array<[path: string, status: number, headers?: Record<string, string>]> = [
      ['/items/one?id=%ZZ', 400],
      ['/items/one', 400],
      ['/items/one?id=i1', 401, { 'x-api-key': 'tg_test_nobody_0123456789abcdef' }],
      ['/secret', 403],
      ['/items/one?id=nope', 404],
      ['/items/one?id=i1', 406, { accept: 'text/html' }],
      ['/broken', 502],
    ];
    for (const [path, status, headers] of answers) {
      const answer = await fromPage(`${shop.origin}${path}`, headers);
      assert.equal(answer.status, status, path);
      conforms(path.split('?')[0]!, answer);
    }
    subgraph.next({ kind: 'hang' });
    const timedOut = await fromPage(`${shop.origin}/items`);
    assert.equal(timedOut.status, 504);
    conforms('/items', timedOut);
    const tiny = { 'x-api-key': keys['tiny-app']! };
    assert.equal((await fromPage(`${shop.origin}/items`, tiny)).status, 200);
    const limited = await fromPage(`${shop.origin}/items`, tiny);
    assert.equal(limited.status, 429);
    assert.ok(limited.headers.get('retry-after') && limited.headers.get('ratelimit'));
    conforms('/items', limited);
  });
});

describe('openApiDocument: what the configuration makes possible', () => {
  const endpoint: OpenApiEndpoint = {
    path: '/items',
    operationName: 'Items',
    documentId: 'items',
    description: undefined,
    parameters: [],
    responseSchema: { type: 'object' },
    mayBeNotFound: false,
    cacheControl: 'public, max-age=60',
  };
  const info = { title: 't', version: '1' };
  const noCredentials = { bearer: false, apiKeyHeader: undefined, required: false };

  test('no credentials, no quotas: no 401 or 429, no rate-limit headers; 500 and the request id still there', async () => {
    const document: any = openApiDocument(info, [endpoint], noCredentials, { requestIdHeader: 'x-trace', quotas: false, authFailureLimit: false });
    await SwaggerParser.validate(structuredClone(document));
    const { responses } = document.paths['/items'].get;
    assert.deepEqual(Object.keys(responses), ['200', '304', '400', '403', '406', '500', '502', '503', '504']);
    assert.deepEqual(Object.keys(responses['200'].headers), ['ETag', 'Cache-Control', 'x-trace', 'Vary']);
    assert.deepEqual(Object.keys(responses['304'].headers), ['ETag', 'Cache-Control', 'x-trace', 'Vary']);
    assert.deepEqual(responses['500'].content['application/json'].schema, { $ref: '#/components/schemas/Errors' });
    assert.deepEqual(Object.keys(responses['503'].headers), ['x-trace', 'Vary', 'Retry-After', 'Cache-Control']);
    assert.equal(responses['200'].headers['Access-Control-Allow-Origin'], undefined, 'no CORS: no CORS header');
  });

  test('the auth-failure limit alone: 429 with Retry-After and RateLimit-Policy only', () => {
    const document: any = openApiDocument(info, [endpoint], { ...noCredentials, bearer: true }, { requestIdHeader: 'x-request-id', quotas: false, authFailureLimit: true });
    const { responses } = document.paths['/items'].get;
    assert.ok(responses['401'].headers['WWW-Authenticate']);
    assert.deepEqual(Object.keys(responses['429'].headers).sort(), ['Cache-Control', 'RateLimit-Policy', 'Retry-After', 'Vary', 'x-request-id']);
  });

  test('CORS configured: every answer declares the CORS headers, optional; allow-credentials only with allow_credentials', async () => {
    const document: any = openApiDocument(info, [endpoint], noCredentials, { requestIdHeader: 'x-request-id', quotas: false, authFailureLimit: false, cors: { allowCredentials: false } });
    await SwaggerParser.validate(structuredClone(document));
    for (const [status, response] of Object.entries<any>(document.paths['/items'].get.responses)) {
      assert.ok(response.headers['Access-Control-Allow-Origin'] && response.headers['Access-Control-Expose-Headers'], status);
      assert.equal(response.headers['Access-Control-Allow-Credentials'], undefined, status);
    }
    assert.notEqual(document.components.headers.AccessControlAllowOrigin.required, true);
    const withCredentials: any = openApiDocument(info, [endpoint], noCredentials, { requestIdHeader: 'x-request-id', quotas: false, authFailureLimit: false, cors: { allowCredentials: true } });
    assert.ok(withCredentials.paths['/items'].get.responses['200'].headers['Access-Control-Allow-Credentials']);
  });
});
