import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { S3ArchiveStore, s3Client } from '#adapters/aws/s3-archive-store.ts';
import { startLocalS3 } from '#adapters/local/local-s3/s3-server.ts';
import type { ApiClient } from '../../../bin/client.ts';
import { type CommandContext, UsageError } from '../../../bin/command.ts';
import { auditArchiveCommands, exportArchive, exportInto } from '../../../bin/commands/audit-archive.ts';
import { writeSession } from '../../../bin/session.ts';

function scriptedApi(...answers: unknown[]) {
  const calls: string[] = [];
  const api: ApiClient = {
    call: async (method, path) => {
      calls.push(`${method} ${path}`);
      return answers.shift();
    },
  };
  return { api, calls };
}

const context = (values: CommandContext['values'], api: ApiClient, dataDir = '/nonexistent-hms-sys'): CommandContext => ({
  values,
  positionals: [],
  output: 'table',
  dataDir,
  api: () => api,
});

const run = (name: string, ctx: CommandContext) => auditArchiveCommands.find((c) => c.name === name)!.run(ctx);
const quiet = () => vi.spyOn(console, 'log').mockImplementation(() => undefined);

afterEach(() => {
  vi.restoreAllMocks();
});

const digest = (stream: string, lastSeq: number) => ({
  stream,
  firstSeq: 1,
  lastSeq,
  key: `digests/${encodeURIComponent(stream)}/${String(lastSeq).padStart(12, '0')}.json`,
});

describe('hms-sys audit digest', () => {
  it('calls POST /audit/digests again until a run is complete', async () => {
    quiet();
    const { api, calls } = scriptedApi(
      { digests: [digest('system', 3)], failures: [], complete: false },
      { digests: [digest('service#a', 1)], failures: [], complete: true },
    );
    await run('audit digest', context({}, api));
    expect(calls).toEqual(['POST /audit/digests', 'POST /audit/digests']);
  });

  it('fails naming the streams it could not digest', async () => {
    quiet();
    const { api } = scriptedApi({ digests: [], failures: [{ stream: 'system', problem: 'system record 2: hash does not match the record' }], complete: true });
    await expect(run('audit digest', context({}, api))).rejects.toThrow('1 stream(s) could not be digested');
  });
});

describe('hms-sys audit public-key', () => {
  it('writes the PEM the API gives to --out', async () => {
    quiet();
    const dir = mkdtempSync(join(tmpdir(), 'pk-'));
    try {
      const pem = '-----BEGIN PUBLIC KEY-----\nMFk=\n-----END PUBLIC KEY-----\n';
      const { api, calls } = scriptedApi({ keyId: 'local-p256-1', pem, key: 'keys/local-p256-1.pem' });
      await run('audit public-key', context({ out: join(dir, 'key.pem') }, api));
      expect(calls).toEqual(['GET /audit/public-key']);
      expect(readFileSync(join(dir, 'key.pem'), 'utf8')).toBe(pem);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('hms-sys audit export', () => {
  it("copies the running sandbox's bucket into the folder, laid out as the bucket is; --stream narrows it", async () => {
    quiet();
    const s3 = await startLocalS3({ buckets: ['hms-sys-audit-archive'] });
    const dataDir = mkdtempSync(join(tmpdir(), 'hms-data-'));
    const out = mkdtempSync(join(tmpdir(), 'export-'));
    try {
      const store = new S3ArchiveStore({ client: s3Client({ region: 'us-east-1', endpoint: s3.endpoint }), bucket: 'hms-sys-audit-archive' });
      const until = '2099-01-01T00:00:00.000Z';
      await store.put('digests/system/000000000002.json', '{"d":1}', until);
      await store.put('archive/system/000000000001-000000000002.jsonl', '{"r":1}\n', until);
      await store.put('digests/service%23a/000000000001.json', '{"d":2}', until);
      await store.put('keys/k.pem', 'pem', until);
      writeSession(dataDir, {
        url: 'http://127.0.0.1:1',
        k8sUrl: '',
        k8sToken: '',
        tokens: {},
        s3Endpoint: s3.endpoint,
        auditBucket: 'hms-sys-audit-archive',
        pid: process.pid,
      });

      await run('audit export', context({ out, stream: 'system' }, scriptedApi().api, dataDir));

      expect(readFileSync(join(out, 'digests', 'system', '000000000002.json'), 'utf8')).toBe('{"d":1}');
      expect(readFileSync(join(out, 'archive', 'system', '000000000001-000000000002.jsonl'), 'utf8')).toBe('{"r":1}\n');
      expect(readFileSync(join(out, 'keys', 'k.pem'), 'utf8')).toBe('pem');
      expect(() => readFileSync(join(out, 'digests', 'service%23a', '000000000001.json'))).toThrow();
    } finally {
      await s3.close();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('without a running sandbox or --bucket, says what to do', async () => {
    await expect(run('audit export', context({ out: '/tmp/x' }, scriptedApi().api))).rejects.toThrow('no sandbox is running here');
  });
});

/** An archive source with whatever keys a bucket might hold, including planted ones; `failAt` makes that key's read throw. */
function plantedSource(objects: Record<string, string>, failAt?: string) {
  return {
    list: async (prefix: string, options: { startAfter?: string; limit: number }) => {
      const keys = Object.keys(objects)
        .filter((key) => key.startsWith(prefix) && key > (options.startAfter ?? ''))
        .sort();
      return { keys: keys.slice(0, options.limit), more: keys.length > options.limit };
    },
    get: async (key: string) => {
      if (key === failAt) throw new Error('the connection was reset');
      return objects[key] ?? null;
    },
  };
}

describe('hms-sys audit export, against a hostile or failing bucket', () => {
  it('skips, naming each, keys that are not plain paths under the layout, and writes nothing outside the folder', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'export-parent-'));
    const out = join(parent, 'a', 'out');
    try {
      const planted = ['keys/../../pwned', 'keys/../../../escaped', 'keys/a\\b.pem', 'keys//x.pem', 'keys/./k.pem', 'digests/system/..'];
      const source = plantedSource({
        'digests/system/000000000001.json': '{"d":1}',
        'keys/k.pem': 'pem',
        ...Object.fromEntries(planted.map((key) => [key, 'planted'])),
      });
      const skipped: string[] = [];
      const copied = await exportInto(out, false, (staging) => exportArchive(source, ['digests/', 'archive/', 'keys/'], staging, skipped));
      expect(copied).toBe(2);
      expect(skipped.sort()).toEqual([...planted].sort());
      expect(readFileSync(join(out, 'keys', 'k.pem'), 'utf8')).toBe('pem');
      expect(existsSync(join(parent, 'pwned'))).toBe(false);
      expect(existsSync(join(parent, 'a', 'pwned'))).toBe(false);
      expect(readdirSync(join(parent, 'a'))).toEqual(['out']);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('leaves no partial export when a read fails part-way, and keeps a --force folder as it was', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'export-parent-'));
    const out = join(parent, 'out');
    try {
      const source = plantedSource({ 'digests/system/000000000001.json': '{"d":1}', 'keys/k.pem': 'pem' }, 'keys/k.pem');
      await expect(exportInto(out, false, (staging) => exportArchive(source, ['digests/', 'keys/'], staging))).rejects.toThrow('reset');
      expect(readdirSync(parent)).toEqual([]);

      mkdirSync(out);
      writeFileSync(join(out, 'old.txt'), 'kept');
      await expect(exportInto(out, true, (staging) => exportArchive(source, ['digests/', 'keys/'], staging))).rejects.toThrow('reset');
      expect(readdirSync(parent)).toEqual(['out']);
      expect(readdirSync(out)).toEqual(['old.txt']);

      await exportInto(out, true, (staging) => exportArchive(plantedSource({ 'keys/k.pem': 'pem' }), ['keys/'], staging));
      expect(readdirSync(out)).toEqual(['keys']);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('refuses --out naming a file with a usage error, before reading the bucket', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'export-parent-'));
    try {
      writeFileSync(join(parent, 'file'), 'x');
      for (const out of [join(parent, 'file'), join(parent, 'file', 'sub')]) {
        const refused = run('audit export', context({ out }, scriptedApi().api));
        await expect(refused).rejects.toBeInstanceOf(UsageError);
        await expect(refused).rejects.toThrow(/is a file .*not a folder/);
      }
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
