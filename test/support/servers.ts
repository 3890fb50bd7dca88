import type { Server } from 'node:http';

/** Stops a test server now: open keep-alive connections are cut, not waited for. */
export function stopServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
