// Listening and closing helpers shared by the demo HTTP servers (backends and subgraphs).
import type { Server } from 'node:http';

export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Closes the listener and idle keep-alive sockets, so stop() does not wait on pooled clients. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeIdleConnections();
  });
}

/**
 * The host to put in a URL clients connect to: a wildcard listen address (0.0.0.0, ::) becomes
 * loopback, and IPv6 literals get the brackets a URL or host:port address needs.
 */
export function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
