import assert from 'node:assert/strict';

/** Waits (bounded: 10 s) until `check` holds; no timing is asserted, only that it happens. */
export async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`${what} did not happen within 10 s`);
}
