import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** A stand-in API that records each manifest posted and refuses one that says `refuse-me`, as the API refuses a bad file. */
const posted: string[] = [];
let server: Server;
let url = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      posted.push(body);
      const name = /name: (\S+)/.exec(body)?.[1] ?? 'unknown';
      res.setHeader('content-type', 'application/json');
      if (body.includes('refuse-me')) {
        res.statusCode = 400;
        res.end(JSON.stringify({ error: { code: 'unknown_field', message: 'unknown field "refuse-me"', field: 'refuse-me' } }));
        return;
      }
      res.statusCode = 201;
      const result = {
        kind: 'MeshService',
        format: 'chapter-12-service',
        name,
        namespace: 'default',
        dryRun: false,
        steps: [{ ok: true, text: `applied ${name}` }],
        objects: [],
        reasons: [],
      };
      res.end(JSON.stringify(result));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function cli(args: string[], stdin = ''): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env, HMS_URL: url, HMS_TOKEN: 'test-token', HMS_DATA_DIR: '/nonexistent-hms-sys' };
  const child = spawn(process.execPath, ['bin/hms-sys.js', ...args], { env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => {
    stdout += c;
  });
  child.stderr.on('data', (c) => {
    stderr += c;
  });
  child.stdin.end(stdin);
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

const dir = mkdtempSync(join(tmpdir(), 'hms-apply-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('hms-sys apply with several -f and with -f -', () => {
  it('applies each -f in order, as kubectl does', async () => {
    posted.length = 0;
    const a = file('a.yml', 'name: first-svc\nport: 80\n');
    const b = file('b.yml', 'name: second-svc\nport: 80\n');
    const answer = await cli(['apply', '-f', a, '-f', b, '--no-wait']);
    expect(answer.status, answer.stderr).toBe(0);
    expect(posted).toEqual(['name: first-svc\nport: 80\n', 'name: second-svc\nport: 80\n']);
    expect(answer.stdout.indexOf('applied first-svc')).toBeLessThan(answer.stdout.indexOf('applied second-svc'));
  });

  it('stops at the first refused file', async () => {
    posted.length = 0;
    const a = file('ok.yml', 'name: first-svc\nport: 80\n');
    const bad = file('bad.yml', 'name: bad-svc\nport: 80\nrefuse-me: 1\n');
    const c = file('c.yml', 'name: third-svc\nport: 80\n');
    const answer = await cli(['apply', '-f', a, '-f', bad, '-f', c, '--no-wait']);
    expect(answer.status).toBe(1);
    expect(posted).toHaveLength(2);
    expect(answer.stderr).toContain('refuse-me');
  });

  it('reads -f - from standard input', async () => {
    posted.length = 0;
    const answer = await cli(['apply', '-f', '-', '--no-wait'], 'name: piped-svc\nport: 80\n');
    expect(answer.status, answer.stderr).toBe(0);
    expect(posted).toEqual(['name: piped-svc\nport: 80\n']);
  });

  it('refuses two arguments, an argument with -f, and standard input twice (exit 2)', async () => {
    posted.length = 0;
    const a = file('x.yml', 'name: x\nport: 80\n');
    for (const args of [
      ['apply', a, a],
      ['apply', a, '-f', a],
      ['apply', '-f', '-', '-f', '-'],
    ]) {
      expect((await cli(args)).status, args.join(' ')).toBe(2);
    }
    expect(posted).toEqual([]);
  });
});
