import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayError } from '../../../gateway/src/core/errors.ts';
import { Admission } from '../../../gateway/src/quota/admit.ts';
import { quotasConfigSchema } from '../../../gateway/src/quota/config.ts';
import { MemoryQuotaStore } from '../../../gateway/src/quota/memory-store.ts';
import { rateLimitHeaders } from '../../../gateway/src/quota/headers.ts';
import { chargesFor, type QuotaSubject } from '../../../gateway/src/quota/rules.ts';

const subject: QuotaSubject = { clientId: 'acme', userId: 'alice', profile: 'partner', ip: '198.51.100.9', operationName: 'HomeScreen' };

test('limits resolve per kind: client override, then profile, then the rule', () => {
  const config = quotasConfigSchema.parse({
    rules: [
      {
        requests: { limit: 100, window_s: 60 },
        cost: { limit: 1000, window_s: 60 },
        profiles: { partner: { requests: { limit: 500, window_s: 60 } } },
        clients: { acme: { cost: { limit: 9000, window_s: 60 } } },
      },
    ],
  });
  const [charge] = chargesFor(config.rules, subject, 42);
  assert.deepEqual(charge!.takes, [
    { name: 'requests', capacity: 500, windowS: 60, take: 1 },
    { name: 'cost', capacity: 9000, windowS: 60, take: 42 },
  ]);
  assert.deepEqual(charge!.policies, ['requests', 'cost']);
  assert.equal(charge!.quotaKey, 'default|profile=partner|client=acme');
});

test('quota keys combine the configured parts; anonymous clients and users count by IP', () => {
  const config = quotasConfigSchema.parse({
    rules: [
      { name: 'per_user_op', key: ['user', 'operation'], requests: { limit: 1, window_s: 1 } },
      { name: 'per_ip', key: ['ip'], requests: { limit: 1, window_s: 1 } },
    ],
  });
  const keys = chargesFor(config.rules, subject, 0).map((c) => c.quotaKey);
  assert.deepEqual(keys, ['per_user_op|profile=partner|user=alice|operation=HomeScreen', 'per_ip|profile=partner|ip=198.51.100.9']);
  const anonymous = chargesFor(config.rules, { ...subject, userId: undefined, clientId: undefined, profile: 'anonymous' }, 0);
  assert.equal(anonymous[0]!.quotaKey, 'per_user_op|profile=anonymous|ip=198.51.100.9|operation=HomeScreen');
  assert.deepEqual(anonymous[0]!.policies, ['per_user_op.requests']);
});

test('the profile is part of every quota key: anonymous and signed-in callers behind one IP never share a bucket', () => {
  const config = quotasConfigSchema.parse({
    rules: [{ key: ['client'], requests: { limit: 600, window_s: 60 }, profiles: { anonymous: { requests: { limit: 120, window_s: 60 } } } }],
  });
  const behindNat = { clientId: undefined, userId: undefined, ip: '203.0.113.5', operationName: undefined };
  const anonymous = chargesFor(config.rules, { ...behindNat, profile: 'anonymous' }, 0)[0]!;
  const signedIn = chargesFor(config.rules, { ...behindNat, userId: 'u1', profile: 'default' }, 0)[0]!;
  assert.equal(anonymous.quotaKey, 'default|profile=anonymous|ip=203.0.113.5');
  assert.equal(signedIn.quotaKey, 'default|profile=default|ip=203.0.113.5');
  assert.equal(anonymous.takes[0]!.capacity, 120);
  assert.equal(signedIn.takes[0]!.capacity, 600);
  // A profile name cannot forge another key part.
  assert.equal(chargesFor(config.rules, { ...behindNat, profile: 'x|ip=1' }, 0)[0]!.quotaKey, 'default|profile=x%7Cip%3D1|ip=203.0.113.5');
});

test('several rules need unique names', () => {
  const twoUnnamed = quotasConfigSchema.safeParse({ rules: [{ requests: { limit: 1, window_s: 1 } }, { requests: { limit: 1, window_s: 1 } }] });
  assert.equal(twoUnnamed.success, false);
  assert.match(JSON.stringify(twoUnnamed.error?.issues), /required when there is more than one rule/);
});

test('admitted: X-RateLimit-* of the tightest policy and one IETF entry per policy', () => {
  const headers = rateLimitHeaders([
    { policy: 'requests', state: { name: 'requests', capacity: 100, windowS: 60, remaining: 42, resetS: 35 } },
    { policy: 'cost', state: { name: 'cost', capacity: 1000, windowS: 60, remaining: 100, resetS: 54 } },
  ]);
  assert.deepEqual(headers, {
    'x-ratelimit-limit': '1000',
    'x-ratelimit-remaining': '100',
    'x-ratelimit-reset': '54',
    'ratelimit-policy': '"requests";q=100;w=60, "cost";q=1000;w=60',
    ratelimit: '"requests";r=42;t=35, "cost";r=100;t=54',
  });
});

test('refused: Retry-After is when the request fits; t keeps its one meaning, seconds until the bucket is full', () => {
  const headers = rateLimitHeaders(
    [{ policy: 'requests', state: { name: 'requests', capacity: 100, windowS: 60, remaining: 0, resetS: 60 } }],
    { policy: 'requests', retryAfterS: 1 },
  );
  assert.equal(headers['retry-after'], '1');
  assert.equal(headers.ratelimit, '"requests";r=0;t=60');
  assert.equal(headers['x-ratelimit-reset'], '60');
});

test('never fits: an estimate over a whole cost budget is COST_EXCEEDS_QUOTA (400, no Retry-After), before any charge', async () => {
  const config = quotasConfigSchema.parse({ rules: [{ requests: { limit: 10, window_s: 60 }, cost: { limit: 100, window_s: 60 } }] });
  const store = new MemoryQuotaStore();
  const admission = new Admission(store, config);
  await assert.rejects(admission.admit(subject, 101), (error: unknown) => {
    assert.ok(error instanceof GatewayError);
    assert.equal(error.code, 'COST_EXCEEDS_QUOTA');
    assert.equal(error.status, 400);
    assert.deepEqual(error.headers, {});
    assert.deepEqual(error.extensions, { policy: 'cost', cost: { estimated: 101, quota: 100, window: 60 } });
    return true;
  });
  // Nothing was charged: the request bucket is untouched, and exactly the capacity still fits.
  const admitted = await admission.admit(subject, 100);
  assert.match(admitted.headers.ratelimit!, /^"requests";r=9;t=\d+, "cost";r=0;t=60$/);
  // A budget that is merely short right now is a 429 with Retry-After, as before.
  await assert.rejects(admission.admit(subject, 1), (error: unknown) => error instanceof GatewayError && error.code === 'RATE_LIMITED' && error.headers['retry-after'] !== undefined);
  await store.close();
});
