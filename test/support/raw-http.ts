// HTTP over a raw socket, for requests fetch() will not send (malformed framing, trickled bodies,
// oversized headers): whatever `send` writes goes out as is, and the answer is read until the
// server closes the connection.
import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  status: number;
  /** Lower-cased names. */
  headers: Record<string, string>;
  /** Parsed JSON when it is JSON, else the text. */
  body: any;
  /** ms from connecting to the server closing the connection. */
  closedAfterMs: number;
}

/** `send` is the bytes to write (latin1, so any byte can be sent) or a function that writes them. */
export function rawExchange(port: number, send: string | ((socket: Socket) => void | Promise<void>), timeoutMs = 40_000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const started = performance.now();
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`the server did not close the connection within ${timeoutMs} ms`)));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      let body: unknown;
      try {
        body = JSON.parse(rest.join('\r\n\r\n'));
      } catch {
        body = rest.join('\r\n\r\n');
      }
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1] ?? 0), headers, body, closedAfterMs: performance.now() - started });
    });
    socket.on('connect', () => {
      if (typeof send === 'string') socket.write(Buffer.from(send, 'latin1'));
      else void Promise.resolve(send(socket)).catch(() => undefined);
    });
  });
}
