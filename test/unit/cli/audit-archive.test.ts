import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { S3ArchiveStore, s3Client } from '#adapters/aws/s3-archive-store.ts';
import { startLocalS3 } from '#adapters/local/local-s3/s3-server.ts';
import type { ApiClient } from '../../../bin/client.ts';
import type { CommandContext } from '../../../bin/command.ts';
import { auditArchiveCommands } from '../../../bin/commands/audit-archive.ts';
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
