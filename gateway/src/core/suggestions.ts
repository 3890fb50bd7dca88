/**
 * graphql-js ends some messages (validation, variable coercion) with " Did you mean …?" naming
 * schema elements close to what was sent (`emial` → `email`): with introspection off that
 * enumerates the schema one guess at a time, so `server.suggestions: false` cuts the hint (always
 * the message's last sentence). Stage 4 uses it for validation errors, stage 6 for execution's.
 */
export function withoutSuggestions(message: string): string {
  const hint = message.lastIndexOf(' Did you mean ');
  return hint === -1 ? message : message.slice(0, hint);
}
