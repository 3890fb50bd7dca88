import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

// A client-sent ID is kept only if it is short and plain, so it cannot inject into logs or headers.
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFor(headers: IncomingHttpHeaders, headerName: string): string {
  const sent = headers[headerName];
  if (typeof sent === 'string' && SAFE_REQUEST_ID.test(sent)) return sent;
  return randomUUID();
}
