import type { IncomingHttpHeaders } from 'node:http';
import { badRequest } from '../core/errors.ts';

// A browser sends these content types cross-site without a CORS preflight; a request carrying one
// (or none, as a GET) could be forged by any page, so it must prove it is not simple by a header
// a form cannot set. Same rule, headers and message as Apollo Server's CSRF prevention.
const SIMPLE_CONTENT_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);
const PREFLIGHT_HEADERS = ['x-apollo-operation-name', 'apollo-require-preflight'];

/** Throws BAD_REQUEST when the request could have been sent cross-site without a preflight. */
export function preventCsrf(headers: IncomingHttpHeaders): void {
  const contentType = headers['content-type'];
  if (contentType !== undefined) {
    const essence = contentType.split(';', 1)[0]!.trim().toLowerCase();
    if (!SIMPLE_CONTENT_TYPES.has(essence)) return;
  }
  for (const name of PREFLIGHT_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string' && value.length > 0) return;
  }
  throw badRequest(
    'This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). Please either specify a ' +
      `'content-type' header (with a type that is not one of ${[...SIMPLE_CONTENT_TYPES].join(', ')}) or provide ` +
      `a non-empty value for one of the following headers: ${PREFLIGHT_HEADERS.join(', ')}`,
  );
}
