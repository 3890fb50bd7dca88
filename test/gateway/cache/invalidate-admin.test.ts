// Issue 19 part 3: invalidation by an operator, on the admin listener (POST /cache/invalidate,
// role invalidate) and with `tollgate cache invalidate`: by entity and by type, authenticated,
// reaching a second instance that shares only Redis (memory stores, pub/sub).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import { runCacheCommand } from '../../../gateway/src/cache-command.ts';
import { eventually } from '../../support/eventually.ts';
import { connectTestRedis, deletePrefix, REDIS_URL, uniquePrefix } from '../../support/redis.ts';
import { callsDuring, query, startCachedGateway, startShop, type Shop } from './helpers.ts';

const OPS_TOKEN = 'ops-token-0123456789abcdef';
const READER_TOKEN = 'reader-token-0123456789abcdef';
const RATING = '{ product(upc: "p1") { name rating } }';

describe('invalidation by an operator: POST /cache/invalidate and tollgate cache invalidate', () => {
  let shop: Shop;
  let withAdmin: RunningGateway;
  let other: RunningGateway;
  let admin: string;
  const redis = connectTestRedis();
  const key_prefix = uniquePrefix('edge-admin');

  const cli = async (...argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await runCacheCommand(['invalidate', ...argv, '--admin', admin], {
      stdout: (text) => void (stdout += text),
      stderr: (text) => void (stderr += text),
      env: { TOLLGATE_ADMIN_TOKEN: OPS_TOKEN },
    });
    return { code, stdout, stderr };
  };
  const post = (body: unknown, token: string | null = OPS_TOKEN) =>
    fetch(`${admin}/cache/invalidate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token !== null ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  /** Both instances answer RATING from their caches. */
  const warm = async () => {
    for (const gateway of [withAdmin, other]) await query(gateway, RATING);
    for (const gateway of [withAdmin, other]) assert.deepEqual(await callsDuring(shop, () => query(gateway, RATING)), { products: 0, reviews: 0 });
  };
  const refetched = (gateway: RunningGateway) => async () => (await callsDuring(shop, () => query(gateway, RATING))).reviews === 1;

  before(async () => {
    shop = await startShop();
    const redisConfig = { redis: { url: REDIS_URL, key_prefix } };
    withAdmin = await startCachedGateway(shop, {}, {
      ...redisConfig,
      admin: { listen: '127.0.0.1:0', tokens: [{ name: 'ops', token: OPS_TOKEN, roles: ['invalidate'] }, { name: 'reader', token: READER_TOKEN, roles: ['read'] }] },
    });
    other = await startCachedGateway(shop, {}, redisConfig);
    admin = `http://127.0.0.1:${withAdmin.adminPort}`;
  });
  after(async () => {
    await withAdmin?.stop();
    await other?.stop();
    await shop?.stop();
    await deletePrefix(redis, key_prefix);
    redis.disconnect();
  });

  test('the CLI invalidates one entity on both instances', async () => {
    await warm();
    const outcome = await cli('--type', 'Product', '--key', '{"upc":"p1"}');
    assert.deepEqual(outcome, { code: 0, stdout: 'invalidated Product {"upc":"p1"}\n', stderr: '' });
    await eventually('the instance with the listener fetches again', refetched(withAdmin));
    await eventually('the other instance fetches again', refetched(other));
  });

  test('the endpoint invalidates a whole type', async () => {
    await warm();
    const response = await post({ type: 'Product' });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { invalidated: [{ type: 'Product' }] });
    await eventually('the other instance fetches again', refetched(other));
  });

  test('refusals: no token 401, a token without the role 403, a bad body 400, GET 405', async () => {
    assert.equal((await post({ type: 'Product' }, null)).status, 401);
    const forbidden = await post({ type: 'Product' }, READER_TOKEN);
    assert.equal(forbidden.status, 403);
    assert.equal(((await forbidden.json()) as any).error.code, 'FORBIDDEN');
    const bad = await post({ type: 'Product', key: 'p1' });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as any).error.message, /^key: expected/);
    assert.equal((await fetch(`${admin}/cache/invalidate`, { headers: { authorization: `Bearer ${OPS_TOKEN}` } })).status, 405);
    const refused = await runCacheCommand(['invalidate', '--type', 'Product', '--admin', admin], { stdout: () => {}, stderr: () => {}, env: { TOLLGATE_ADMIN_TOKEN: READER_TOKEN } });
    assert.equal(refused, 1);
  });
});
