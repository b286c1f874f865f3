import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscoverError, discover } from '../../../shared/client/discover.ts';

/** A registry on loopback answering as GET /registry/{name} does, and recording what it was asked. */
let server: Server;
let url: string;
const asked: Array<{ path: string; authorization?: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    asked.push({ path: req.url ?? '', ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
    const path = new URL(req.url ?? '/', 'http://x');
    res.setHeader('content-type', 'application/json');
    if (path.pathname === '/registry/notification-svc' && path.searchParams.get('from') !== 'other-agency-svc') {
      res.end(JSON.stringify({ name: 'notification-svc', meshUrl: 'http://notification-svc.mesh:7000', endpoints: [] }));
    } else if (path.pathname === '/registry/notification-svc') {
      res.statusCode = 404;
      res.end(JSON.stringify({ error: { code: 'not_found', message: 'service notification-svc', field: 'name' } }));
    } else {
      res.statusCode = 404;
      res.end(JSON.stringify({ error: { code: 'not_found', message: `service ${path.pathname.split('/').at(-1)}`, field: 'name' } }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('discover(name)', () => {
  it('returns the registry’s mesh URL, as chapter 10’s discover("notification-svc") does', async () => {
    expect(await discover('notification-svc', { url, token: 't0k' })).toBe('http://notification-svc.mesh:7000');
    expect(asked.at(-1)).toEqual({ path: '/registry/notification-svc', authorization: 'Bearer t0k' });
  });

  it('asks as the calling service, and carries the registry’s refusal with its code', async () => {
    const refused = discover('notification-svc', { url, token: 't0k', from: 'other-agency-svc' });
    await expect(refused).rejects.toThrow(DiscoverError);
    await expect(refused).rejects.toMatchObject({ status: 404, code: 'not_found' });
    expect(asked.at(-1)!.path).toBe('/registry/notification-svc?from=other-agency-svc');
  });

  it('reads HMS_URL and HMS_TOKEN when not given, and refuses to ask without a token', async () => {
    const saved = { url: process.env.HMS_URL, token: process.env.HMS_TOKEN };
    try {
      process.env.HMS_URL = url;
      process.env.HMS_TOKEN = 'from-env';
      expect(await discover('notification-svc')).toBe('http://notification-svc.mesh:7000');
      expect(asked.at(-1)!.authorization).toBe('Bearer from-env');
      delete process.env.HMS_TOKEN;
      await expect(discover('notification-svc')).rejects.toMatchObject({ code: 'unauthorized' });
    } finally {
      for (const [key, value] of [
        ['HMS_URL', saved.url],
        ['HMS_TOKEN', saved.token],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});
