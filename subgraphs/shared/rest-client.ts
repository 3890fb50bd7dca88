// GET JSON from a demo REST backend with Node's global fetch (keep-alive pooled by undici).

/** Every outbound call has a deadline; the demo backends answer in milliseconds. */
const TIMEOUT_MS = 5_000;

export async function getJson<T>(baseUrl: string, pathAndQuery: string): Promise<T> {
  const res = await fetch(`${baseUrl}${pathAndQuery}`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`GET ${pathAndQuery.split('?', 1)[0]} answered ${res.status}`);
  }
  return (await res.json()) as T;
}
