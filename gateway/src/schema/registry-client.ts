// The CLI's side of the registry (`tollgate check --against URL`, `publish`, `registry ...`): one
// HTTP call to a gateway's admin listener, bounded in time and in the size of the answer, with the
// bearer token from TOLLGATE_REGISTRY_TOKEN. Answers are JSON; a refusal carries { error: { code, message } }.

/** Where the CLI reads its registry token from. */
export const REGISTRY_TOKEN_ENV = 'TOLLGATE_REGISTRY_TOKEN';
export const DEFAULT_REGISTRY_TIMEOUT_MS = 30_000;
/** Largest answer read: a supergraph with its subgraphs' SDLs, history pages; far above real ones. */
export const MAX_REGISTRY_ANSWER_BYTES = 64 * 1024 * 1024;

export class RegistryClientError extends Error {
  override name = 'RegistryClientError';
}

export interface RegistryAnswer {
  status: number;
  body: any;
}

/**
 * `method path` against the registry at `base` (the admin listener's URL, e.g. http://gw:4100).
 * Throws RegistryClientError when it cannot be reached, takes longer than `timeoutMs`, answers
 * more than the bound or no JSON; any HTTP status is returned (refusals are answers too).
 */
export async function registryRequest(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  options: { token: string | undefined; body?: unknown; timeoutMs?: number },
): Promise<RegistryAnswer> {
  const url = new URL(path.replace(/^\//, ''), base.endsWith('/') ? base : `${base}/`);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token) headers['authorization'] = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const timeoutMs = options.timeoutMs ?? DEFAULT_REGISTRY_TIMEOUT_MS;
  let text: string;
  let status: number;
  try {
    const response = await fetch(url, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
    status = response.status;
    text = await boundedText(response, MAX_REGISTRY_ANSWER_BYTES);
  } catch (error) {
    if (error instanceof RegistryClientError) throw error;
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') throw new RegistryClientError(`${url.origin}: no answer within ${timeoutMs} ms (timeout)`);
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new RegistryClientError(`${url.origin}: cannot reach the registry${cause ? ` (${cause})` : `: ${(error as Error).message}`}`);
  }
  try {
    return { status, body: JSON.parse(text) };
  } catch {
    throw new RegistryClientError(`${url.href}: answered ${status} without JSON`);
  }
}

/** A refusal's message as the registry gave it: `CODE: message`. */
export function refusalText(answer: RegistryAnswer): string {
  const error = answer.body?.error;
  return error ? `${error.code}: ${error.message}` : `HTTP ${answer.status}`;
}

async function boundedText(response: Response, max: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body === null) return '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > max) throw new RegistryClientError(`${response.url}: answer larger than ${max} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
