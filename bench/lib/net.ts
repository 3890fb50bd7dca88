// Small HTTP helpers for 127.0.0.1: free ports, one-off requests, bounded readiness polling.
import { createServer, type AddressInfo } from 'node:net';
import type { Child } from './processes.ts';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface HttpReply {
  status: number;
  body: string;
}

export async function post(
  url: string,
  body: string,
  headers: Record<string, string> = {},
  timeoutMs = 10_000,
): Promise<HttpReply> {
  return send('POST', url, body, headers, timeoutMs);
}

/** A POST of a JSON body, or a GET (no body, no content-type). */
export async function send(
  method: 'GET' | 'POST',
  url: string,
  body: string,
  headers: Record<string, string> = {},
  timeoutMs = 10_000,
): Promise<HttpReply> {
  const res = await fetch(url, {
    method,
    headers: method === 'POST' ? { 'content-type': 'application/json', ...headers } : headers,
    ...(method === 'POST' ? { body } : {}),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: res.status, body: await res.text() };
}

async function get(url: string, timeoutMs = 2000): Promise<number> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  await res.arrayBuffer();
  return res.status;
}

export interface ReadyCheck {
  /** GET this until 2xx (e.g. /health), if set. */
  healthUrl?: string;
  /** Then POST this GraphQL body until the reply is 2xx. */
  graphqlUrl: string;
  body: string;
  headers?: Record<string, string>;
}

/** Polls until ready; throws if the process exits first or `timeoutMs` passes. */
export async function waitReady(child: Child, check: ReadyCheck, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no reply yet';
  let healthy = check.healthUrl === undefined;
  while (Date.now() < deadline) {
    if (child.hasExited()) {
      throw new Error(`exited (${await child.exited}) before ready:\n${child.logTail().trim()}`);
    }
    try {
      if (!healthy && check.healthUrl !== undefined) {
        const status = await get(check.healthUrl);
        healthy = status >= 200 && status < 300;
        last = `GET ${check.healthUrl} → ${status}`;
      }
      if (healthy) {
        const reply = await post(check.graphqlUrl, check.body, check.headers, 5000);
        if (reply.status >= 200 && reply.status < 300) return;
        last = `POST ${check.graphqlUrl} → ${reply.status} ${reply.body.slice(0, 200)}`;
      }
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not ready after ${timeoutMs / 1000} s (${last})\n${child.logTail().trim()}`);
}
