import { createServer, type Server } from 'node:http';
import { describe, expect, it } from 'vitest';
import { trackRequests } from '#sandbox/graceful-close.ts';

const listening = (server: Server) =>
  new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}`)));

describe("closing the sandbox's HTTP server", () => {
  it('waits for a request under way to answer', async () => {
    let answer!: () => void;
    const server = createServer((_req, res) => {
      answer = () => res.end('done');
    });
    const requests = trackRequests(server);
    const url = await listening(server);
    const pending = fetch(url).then((r) => r.text());
    while (requests.inFlight === 0) await new Promise((resolve) => setImmediate(resolve));
    const closing = requests.close();
    answer();
    expect(await pending).toBe('done');
    await closing;
    expect(server.listening).toBe(false);
  });

  it('cuts a request that outlasts the grace period, and still closes', async () => {
    const server = createServer(() => undefined); // never answers
    const requests = trackRequests(server);
    const url = await listening(server);
    const pending = fetch(url);
    while (requests.inFlight === 0) await new Promise((resolve) => setImmediate(resolve));
    await requests.close(20);
    await expect(pending).rejects.toThrow();
    expect(server.listening).toBe(false);
  });
});
