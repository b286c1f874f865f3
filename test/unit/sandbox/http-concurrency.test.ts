import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { RouteTrigger } from '#domain/triggers.ts';
import { createApiServer } from '#sandbox/api-server.ts';
import { HttpFunctionLimits, THROTTLED_HEADER } from '#sandbox/http-concurrency.ts';
import type { LocalHandler } from '#sandbox/local-bus.ts';

const route: RouteTrigger = { kind: 'http', method: 'GET', path: '/slow', scope: 'hms/rules.read', operationId: 'slow', summary: 'a slow route' };
let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** Serves `handler` as the one function behind GET /slow; returns a function that GETs it with a bearer token. */
async function serve(limits: HttpFunctionLimits, handler: LocalHandler) {
  server = createApiServer({
    routes: [{ route, handler, functionName: 'api' }],
    verify: async () => ({ valid: true, claims: { sub: 'dev-user', scope: 'hms/rules.read' } }),
    sandboxRoutes: {},
    limits,
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slow`;
  return () => fetch(url, { headers: { authorization: 'Bearer t' } });
}

/** A server whose one function holds every request until `open()`; `entered` counts the handler's runs. */
async function slowServer(limits: HttpFunctionLimits) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const seen = { entered: 0 };
  const entries: (() => void)[] = [];
  const handler = (async () => {
    seen.entered += 1;
    for (const notify of entries.splice(0)) notify();
    await gate;
    return { statusCode: 200, body: '{"ok":true}' };
  }) as unknown as LocalHandler;
  const get = await serve(limits, handler);
  const enteredAtLeast = (n: number) =>
    new Promise<void>((resolve) => {
      const check = () => (seen.entered >= n ? resolve() : entries.push(check));
      check();
    });
  return { get, seen, open, enteredAtLeast };
}

describe("the sandbox API server under its HTTP functions' reserved concurrency", () => {
  it('runs 5 of 6 concurrent slow requests and answers the sixth as API Gateway answers a throttled Lambda', async () => {
    const logged: string[] = [];
    const limits = new HttpFunctionLimits([{ name: 'api' }], 5, (line) => logged.push(line));
    const { get, seen, open, enteredAtLeast } = await slowServer(limits);

    const running = Array.from({ length: 5 }, get);
    await enteredAtLeast(5);
    expect(limits.concurrency().api).toEqual({ limit: 5, running: 5, throttled: 0 });
    const sixth = await get();
    expect(sixth.status).toBe(500);
    expect(await sixth.text()).toBe('{"message":"Internal Server Error"}');
    expect(sixth.headers.get(THROTTLED_HEADER)).toBe('api');
    expect(seen.entered).toBe(5);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('Lambda throttled api (all 5 reserved copies busy)');

    open();
    const answers = await Promise.all(running);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(limits.concurrency().api).toEqual({ limit: 5, running: 0, throttled: 1 });
    // The copies are free again: the next request runs.
    expect((await get()).status).toBe(200);
    expect(seen.entered).toBe(6);
  });

  it('frees a copy when the function throws', async () => {
    const limits = new HttpFunctionLimits([{ name: 'api' }], 1, () => undefined);
    const get = await serve(limits, (async () => {
      throw new Error('boom');
    }) as unknown as LocalHandler);
    for (let i = 0; i < 3; i++) expect((await get()).headers.get(THROTTLED_HEADER)).toBeNull();
    expect(limits.concurrency().api).toEqual({ limit: 1, running: 0, throttled: 0 });
  });
});

describe('HttpFunctionLimits', () => {
  it("takes each function's limit as the stack reserves it: its maximum, else hms:reservedConcurrency, else the account pool", () => {
    const fns = [{ name: 'api' }, { name: 'one', maxInstances: 1 }];
    expect(new HttpFunctionLimits(fns, 3).concurrency()).toEqual({ api: { limit: 3, running: 0, throttled: 0 }, one: { limit: 1, running: 0, throttled: 0 } });
    expect(new HttpFunctionLimits(fns, undefined).concurrency().api!.limit).toBe(1_000);
  });

  it('logs a throttled function at most once a second, with the count since the last line', () => {
    const logged: string[] = [];
    let now = 0;
    const limits = new HttpFunctionLimits(
      [{ name: 'api' }],
      1,
      (line) => logged.push(line),
      () => now,
    );
    const release = limits.enter('api')!;
    expect(limits.enter('api')).toBeNull();
    expect(limits.enter('api')).toBeNull();
    now = 1_000;
    expect(limits.enter('api')).toBeNull();
    expect(logged.map((l) => /: (\d+) request/.exec(l)?.[1])).toEqual(['1', '2']);
    release();
    release();
    expect(limits.concurrency().api).toEqual({ limit: 1, running: 0, throttled: 3 });
  });
});
