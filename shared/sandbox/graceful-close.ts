import type { Server } from 'node:http';

/** How long a clean stop waits for requests under way before it cuts their connections. */
export const CLOSE_GRACE_MS = 10_000;

/**
 * Counts the server's requests under way, and closes it without cutting one: a request may be
 * between a state write and its audit record. Call at creation, before the first request.
 */
export function trackRequests(server: Server) {
  let inFlight = 0;
  let idle: (() => void) | null = null;
  server.on('request', (_req, res) => {
    inFlight += 1;
    // 'close' fires once the response is sent, or when its connection is lost first.
    res.once('close', () => {
      inFlight -= 1;
      if (inFlight === 0) idle?.();
    });
  });
  return {
    get inFlight() {
      return inFlight;
    },
    /** Stops accepting connections, waits (at most graceMs) for requests under way, then closes every connection. */
    async close(graceMs = CLOSE_GRACE_MS): Promise<void> {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          idle = resolve;
          timer = setTimeout(resolve, graceMs);
        });
        clearTimeout(timer);
        idle = null;
      }
      // Keep-alive connections left idle by the finished requests, and any request past the grace.
      server.closeAllConnections();
      await closed;
    },
  };
}
