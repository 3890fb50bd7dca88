// `Vary` is a list several parts of one answer add to: CORS says `origin` (the answer differs per
// page origin), a cacheable GraphQL GET says `accept` (JSON or graphql-response+json). Each adds its
// token to what is there; setting the header outright would drop another part's token, and a shared
// cache would then serve one origin's answer (or media type) to another.
import type { OutgoingMessage } from 'node:http';

type Answer = Pick<OutgoingMessage, 'getHeader' | 'setHeader'>;

/** Adds `tokens` (one, or a comma-separated list) to the answer's `vary`, each once (case-insensitive); `*` stays `*`. */
export function appendVary(res: Answer, tokens: string): void {
  const current = res.getHeader('vary');
  if (current === undefined) res.setHeader('vary', tokens);
  else res.setHeader('vary', mergeVary(Array.isArray(current) ? current.join(', ') : String(current), tokens));
}

/** `current` with the tokens of `tokens` it lacks appended. */
export function mergeVary(current: string, tokens: string): string {
  const have = new Set(current.split(',').map((token) => token.trim().toLowerCase()));
  if (have.has('*')) return '*';
  let merged = current.trim();
  for (const token of tokens.split(',')) {
    const name = token.trim();
    if (name === '' || have.has(name.toLowerCase())) continue;
    have.add(name.toLowerCase());
    merged = merged === '' ? name : `${merged}, ${name}`;
  }
  return merged;
}

/** Sets one header (a lower-case name) on the answer: replacing its namesake, except `vary`, which is merged. */
export function setHeader(res: Answer, name: string, value: string): void {
  if (name === 'vary') appendVary(res, value);
  else res.setHeader(name, value);
}

/** Writes `headers` (lower-case names) on the answer, as setHeader does. */
export function setHeaders(res: Answer, headers: Readonly<Record<string, string>>): void {
  for (const name in headers) setHeader(res, name, headers[name] as string);
}
