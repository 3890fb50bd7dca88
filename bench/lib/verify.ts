// Decides whether one GraphQL response body is correct: no errors, and `data` equal to the
// expected data regardless of key order (or, for a REST endpoint, the whole body equal to it). Runs on EVERY response in the load worker, so the
// common case (a body identical to one already verified) is a plain string comparison.

export type BodyCheck = (body: string) => boolean;

const MAX_KNOWN_GOOD = 8;

/** `bodyIsData`: the whole body is the data (a REST endpoint's answer), not a GraphQL response. */
export function makeBodyCheck(expectedData: unknown, bodyIsData = false): BodyCheck {
  const expected = canonical(expectedData);
  const knownGood: string[] = [];
  return (body) => {
    for (const good of knownGood) if (good === body) return true;
    if (!(bodyIsData ? isSameData(body, expected) : isCorrect(body, expected))) return false;
    if (knownGood.length < MAX_KNOWN_GOOD) knownGood.push(body);
    return true;
  };
}

function isCorrect(body: string, expectedCanonical: string): boolean {
  let parsed: { data?: unknown; errors?: unknown };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    return false;
  }
  if (parsed === null || typeof parsed !== 'object' || parsed.errors !== undefined) return false;
  return canonical(parsed.data) === expectedCanonical;
}

function isSameData(body: string, expectedCanonical: string): boolean {
  try {
    return canonical(JSON.parse(body)) === expectedCanonical;
  } catch {
    return false;
  }
}

/** JSON with object keys sorted, so field order never decides correctness. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}
