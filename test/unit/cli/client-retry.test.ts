import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiCallError, apiClient, backoffDelayMs, DEFAULT_RETRY, isThrottled, type RetryPolicy } from '../../../bin/client.ts';

interface Scripted {
  status: number;
  body: string;
}

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A server answering from the script in order (the last answer repeats), counting requests. */
async function serve(script: Scripted[]) {
  const seen = { requests: 0 };
  server = createServer((req, res) => {
    req.resume();
    const answer = script[Math.min(seen.requests, script.length - 1)]!;
    seen.requests += 1;
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

/** Records the waits instead of sleeping; the jitter draws the top of each range. */
function recordingPolicy(attempts = 4): RetryPolicy & { waits: number[] } {
  const waits: number[] = [];
  return { attempts, baseDelayMs: 100, maxDelayMs: 350, random: () => 0.999999, sleep: async (ms) => void waits.push(ms), waits };
}

const GATEWAY_500 = { status: 500, body: '{"message":"Internal Server Error"}' };
const OK = { status: 200, body: '{"items":[]}' };

describe('the CLI client under throttling', () => {
  it.each([
    ["API Gateway's 500 for a throttled Lambda", GATEWAY_500],
    ['429', { status: 429, body: '{"message":"Too Many Requests"}' }],
    ['503', { status: 503, body: '{"message":"Service Unavailable"}' }],
  ])('retries %s with growing jittered waits, then returns the answer', async (_, throttle) => {
    const { url, seen } = await serve([throttle, throttle, OK]);
    const policy = recordingPolicy();
    expect(await apiClient(url, 't', policy).call('GET', '/services')).toEqual({ items: [] });
    expect(seen.requests).toBe(3);
    expect(policy.waits).toEqual([99, 199]);
  });

  it('gives up after its attempts and says the API was throttling', async () => {
    const { url, seen } = await serve([GATEWAY_500]);
    const policy = recordingPolicy(4);
    const failure = await apiClient(url, 't', policy)
      .call('POST', '/services', { name: 'x' })
      .catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ApiCallError);
    expect(seen.requests).toBe(4);
    expect(policy.waits).toEqual([99, 199, 349]);
    const message = (failure as ApiCallError).message;
    expect(message).toContain('still throttling after 4 attempts');
    expect(message).toContain('every reserved copy of the function was busy');
  });

  it("does not retry a function's own 500 or a 4xx", async () => {
    for (const answer of [
      { status: 500, body: '{"error":{"code":"internal","message":"an internal error occurred; it has been logged","field":null}}' },
      { status: 502, body: '{"message":"Internal Server Error"}' },
      { status: 404, body: '{"error":{"code":"not_found","message":"no service x","field":null}}' },
    ]) {
      const { url, seen } = await serve([answer]);
      const failure = (await apiClient(url, 't', recordingPolicy())
        .call('GET', '/services/x')
        .catch((err: unknown) => err)) as ApiCallError;
      expect(seen.requests).toBe(1);
      expect(failure.status).toBe(answer.status);
      expect(failure.message).not.toContain('throttling');
      await new Promise<void>((resolve) => server!.close(() => resolve()));
      server = undefined;
    }
  });

  it('draws each wait between 0 and the capped exponential ceiling', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1_000 };
    expect([0, 1, 2, 3, 4].map((retry) => backoffDelayMs(retry, { ...policy, random: () => 0.5 }))).toEqual([50, 100, 200, 400, 500]);
    expect(backoffDelayMs(3, { ...policy, random: () => 0 })).toBe(0);
  });

  it("retries as many times as the README's Concurrency section says", () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const retries = Number(/retries such an answer\s+\(and 429 and 503\) (\d+) times/.exec(readme)?.[1]);
    expect(retries).toBe(DEFAULT_RETRY.attempts - 1);
  });

  it("tells the gateway's bare 500 from a function error that carries more", () => {
    expect(isThrottled(500, { message: 'Internal Server Error' })).toBe(true);
    expect(isThrottled(500, { message: 'Internal Server Error', detail: 1 })).toBe(false);
    expect(isThrottled(500, null)).toBe(false);
    expect(isThrottled(400, { message: 'Internal Server Error' })).toBe(false);
  });
});
