import type { QuotaKeyPart, QuotaRuleConfig } from './config.ts';
import type { BucketTake } from './types.ts';

/** Who a request is, as far as quotas care; made from the verified identity and the connection. */
export interface QuotaSubject {
  clientId: string | undefined;
  userId: string | undefined;
  /** The quota profile (stage 3's `quotaProfile`): the credential's, else `default` / `anonymous`; never a client name's. */
  profile: string;
  ip: string;
  operationName: string | undefined;
}

/** What one rule charges one request: the quota key, its buckets, and their policy names. */
export interface RuleCharge {
  quotaKey: string;
  takes: BucketTake[];
  /** Per take: the policy name used in headers and errors. */
  policies: string[];
}

/** The charges of every rule for one request (rules without a limit for this subject charge nothing). */
export function chargesFor(rules: QuotaRuleConfig[], subject: QuotaSubject, estimatedCost: number): RuleCharge[] {
  const charges: RuleCharge[] = [];
  for (const rule of rules) {
    const override = subject.clientId === undefined ? undefined : rule.clients[subject.clientId];
    const profile = rule.profiles[subject.profile];
    const requests = override?.requests ?? profile?.requests ?? rule.requests;
    const cost = override?.cost ?? profile?.cost ?? rule.cost;
    const takes: BucketTake[] = [];
    const policies: string[] = [];
    if (requests) {
      takes.push({ name: 'requests', capacity: requests.limit, windowS: requests.window_s, take: 1 });
      policies.push(policyName(rule, 'requests'));
    }
    if (cost) {
      takes.push({ name: 'cost', capacity: cost.limit, windowS: cost.window_s, take: estimatedCost });
      policies.push(policyName(rule, 'cost'));
    }
    if (takes.length > 0) charges.push({ quotaKey: quotaKey(rule, subject), takes, policies });
  }
  return charges;
}

function policyName(rule: QuotaRuleConfig, bucket: string): string {
  return rule.name === undefined ? bucket : `${rule.name}.${bucket}`;
}

// e.g. "default|profile=partner|client=acme|operation=HomeScreen"; an anonymous client or user is
// its IP. The profile is always part of the key: callers of different profiles have different
// limits, and one bucket cannot have two capacities (anonymous callers behind one IP would
// otherwise empty the bucket of the signed-in callers behind it). A client-name header never changes
// it: a caller cannot get a fresh bucket by naming another app.
function quotaKey(rule: QuotaRuleConfig, subject: QuotaSubject): string {
  const parts = rule.key.map((part) => keyPart(part, subject));
  return [rule.name ?? 'default', `profile=${encodeURIComponent(subject.profile)}`, ...parts].join('|');
}

function keyPart(part: QuotaKeyPart, subject: QuotaSubject): string {
  switch (part) {
    case 'client':
      return subject.clientId === undefined ? `ip=${subject.ip}` : `client=${encodeURIComponent(subject.clientId)}`;
    case 'user':
      return subject.userId === undefined ? `ip=${subject.ip}` : `user=${encodeURIComponent(subject.userId)}`;
    case 'ip':
      return `ip=${subject.ip}`;
    case 'operation':
      return `operation=${encodeURIComponent(subject.operationName ?? '(anonymous)')}`;
  }
}
