import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable, Transform } from 'node:stream';
import type { Dispatcher } from 'undici';

/** Why a body could not be read: over the limit, or a content encoding that does not decode. */
export class BodyError extends Error {
  constructor(readonly reason: 'too_large' | 'bad_encoding') {
    super(reason);
  }
}

/**
 * A subgraph response body as text, refused as soon as it is over `limit` bytes: counted after
 * decompression (gzip, deflate, br are decoded while streaming), so a small compressed answer
 * cannot inflate past the limit. A declared `content-length` over the limit of an unencoded body
 * is refused before reading. On refusal `abort` is called (it aborts the request, which closes the
 * connection), the streams are destroyed and the chunks read so far dropped.
 */
export function readBody(response: Dispatcher.ResponseData, limit: number, abort: () => void): Promise<string> {
  const { body } = response;
  const encoding = String(response.headers['content-encoding'] ?? '').trim().toLowerCase();
  let source: Readable = body;
  let decoder: Transform | undefined;
  if (encoding !== '' && encoding !== 'identity') {
    decoder = decoderFor(encoding);
    if (!decoder) {
      body.on('error', ignore);
      body.destroy();
      return Promise.reject(new BodyError('bad_encoding'));
    }
    body.pipe(decoder);
    source = decoder;
  }
  return new Promise<string>((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const fail = (error: unknown) => {
      if (done) return;
      done = true;
      chunks = [];
      source.off('data', onData);
      body.on('error', ignore);
      decoder?.on('error', ignore);
      abort();
      body.destroy();
      decoder?.destroy();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) fail(new BodyError('too_large'));
      else chunks.push(chunk);
    };
    if (!decoder && Number(response.headers['content-length']) > limit) {
      fail(new BodyError('too_large'));
      return;
    }
    source.on('data', onData);
    body.once('error', (error) => fail(error));
    decoder?.once('error', () => fail(new BodyError('bad_encoding')));
    source.once('end', () => {
      if (done) return;
      done = true;
      resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks, size).toString('utf8'));
    });
  });
}

function decoderFor(encoding: string): Transform | undefined {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      return undefined;
  }
}

function ignore(): void {}
