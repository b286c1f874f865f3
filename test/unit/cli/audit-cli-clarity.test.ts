import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { S3ArchiveStore, s3Client } from '#adapters/aws/s3-archive-store.ts';
import { LocalAuditSigner } from '#adapters/local/local-audit-signer.ts';
import { startLocalS3 } from '#adapters/local/local-s3/s3-server.ts';
import { digestSigningInput, publicKeyKey } from '#domain/audit-digest.ts';
import type { ApiClient } from '../../../bin/client.ts';
import type { CommandContext } from '../../../bin/command.ts';
import { auditArchiveCommands } from '../../../bin/commands/audit-archive.ts';
import { observeCommands } from '../../../bin/commands/observe.ts';
import { writeSession } from '../../../bin/session.ts';
import { writeExport } from '../use-cases/archive-export-fixture.ts';

/** The CLI as a newcomer runs it, on Node's own warnings: no AWS credentials, and no warning switch inherited from vitest. */
const cli = (env: Record<string, string>, ...args: string[]) => {
  const parent = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && !name.startsWith('HMS_')));
  return spawnSync(process.execPath, ['--import', 'tsx', 'bin/cli.ts', ...args], {
    encoding: 'utf8',
    env: { ...parent, HMS_DATA_DIR: '/nonexistent-hms-sys', AWS_EC2_METADATA_DISABLED: 'true', ...env },
  });
};

const cliAsync = (env: Record<string, string>, ...args: string[]) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const parent = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && !name.startsWith('HMS_')));
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/cli.ts', ...args], { env: { ...parent, AWS_EC2_METADATA_DISABLED: 'true', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });

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

const run = (name: string, ctx: CommandContext) => [...observeCommands, ...auditArchiveCommands].find((c) => c.name === name)!.run(ctx);

function printed(): string[] {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(args.join(' '));
  });
  return lines;
}

afterEach(() => {
  vi.restoreAllMocks();
});

/** A running sandbox's session naming a local S3 server whose bucket holds one digest and one key. */
async function sandboxBucket() {
  const s3 = await startLocalS3({ buckets: ['hms-sys-audit-archive'] });
  const dataDir = mkdtempSync(join(tmpdir(), 'hms-data-'));
  const store = new S3ArchiveStore({ client: s3Client({ region: 'us-east-1', endpoint: s3.endpoint }), bucket: 'hms-sys-audit-archive' });
  await store.put('digests/system/000000000002.json', '{"d":1}', '2099-01-01T00:00:00.000Z');
  await store.put('keys/k.pem', 'pem', '2099-01-01T00:00:00.000Z');
  writeSession(dataDir, {
    url: 'http://127.0.0.1:1',
    k8sUrl: '',
    k8sToken: '',
    tokens: {},
    s3Endpoint: s3.endpoint,
    auditBucket: 'hms-sys-audit-archive',
    pid: process.pid,
  });
  return {
    dataDir,
    close: async () => {
      await s3.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

describe('hms-sys --help', () => {
  it('lists the audit commands together', () => {
    const help = cli({}, '--help');
    expect(help.status).toBe(0);
    const names = help.stdout.split('\n').flatMap((line) => (/^ {2}\S/.test(line) ? [line.trim().split(/\s{2,}/)[0]!] : []));
    const audit = names.flatMap((name, i) => (name === 'audit' || name.startsWith('audit ') ? [i] : []));
    expect(audit.length).toBeGreaterThanOrEqual(5);
    expect(audit.at(-1)! - audit[0]!).toBe(audit.length - 1);
    expect(names).toContain('cluster get');
  });
});

describe('hms-sys audit verify', () => {
  it('refuses --archive or --public-key without --offline, exiting 2, instead of verifying online', () => {
    const refused = cli({}, 'audit', 'verify', '--archive', '/tmp', '--public-key', '/tmp/key.pem');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('--archive checks an export: add --offline');
    expect(cli({}, 'audit', 'verify', '--public-key', '/tmp/key.pem').stderr).toContain('--public-key checks an export: add --offline');
  });

  it('shows the digest part in a table when the answer carries it: digests checked over every call, and the newest', async () => {
    const lines = printed();
    const report = { stream: 'system', from: 'checkpoint', intact: true, firstBreak: null, verifiedThrough: 9, cursor: null };
    const newest = { key: 'digests/system/000000000009.json', lastSeq: 9, digestTime: '2026-12-03T10:00:00.000Z' };
    const { api } = scriptedApi(
      { ...report, records: 5, complete: false, digests: { checked: 2, newest: null, firstBreak: null, complete: false, prunedThrough: 0 } },
      { ...report, records: 4, complete: true, digests: { checked: 1, newest, firstBreak: null, complete: true, prunedThrough: 0 } },
    );
    await run('audit verify', context({}, api));
    expect(lines[0]).toMatch(/digests\s+newestDigest\s+digestBreak$/);
    expect(lines[1]).toMatch(/system\s+checkpoint\s+9\s+9\s+true\s+-\s+3\s+through seq 9, 2026-12-03T10:00:00.000Z\s+-$/);
  });

  it('keeps the chain columns alone where no archive is configured', async () => {
    const lines = printed();
    const { api } = scriptedApi({
      stream: 'system',
      from: 'checkpoint',
      intact: true,
      firstBreak: null,
      verifiedThrough: 2,
      records: 2,
      complete: true,
      cursor: null,
      digests: null,
    });
    await run('audit verify', context({}, api));
    expect(lines[0]).toMatch(/intact\s+firstBreak$/);
  });
});

describe('hms-sys audit verify --offline: the key', () => {
  it("warns when --public-key is the export's own keys/ copy", async () => {
    const exported = await writeExport({ system: [2] });
    const ownCopy = join(exported.dir, 'keys', readdirSync(join(exported.dir, 'keys'))[0]!);
    const checked = cli({}, 'audit', 'verify', '--offline', '--archive', exported.dir, '--public-key', ownCopy);
    expect(checked.status).toBe(0);
    expect(checked.stderr).toMatch(/^warning: --public-key .* is the export's own copy \(keys\/.*\.pem\)/);
    expect(cli({}, 'audit', 'verify', '--offline', '--archive', exported.dir, '--public-key', exported.publicKeyFile).stderr).toBe('');
  });

  it("says the digest's keyId and the given key's differ, where the export's keys tell", async () => {
    const exported = await writeExport({ system: [2] });
    const keyDir = mkdtempSync(join(tmpdir(), 'other-key-'));
    const other = new LocalAuditSigner({ keyFile: join(keyDir, 'signing.pem') });
    const { pem, keyId } = await other.publicKey();
    const otherFile = join(keyDir, 'other.pem');
    writeFileSync(otherFile, pem);
    const signedBy = JSON.parse(exported.read('digests/system/000000000002.json')).keyId as string;
    expect(keyId).not.toBe(signedBy);

    const unknown = cli({}, 'audit', 'verify', '--offline', '--archive', exported.dir, '--public-key', otherFile);
    expect(unknown.status).toBe(1);
    expect(unknown.stdout).toContain(
      `note: digests/system/000000000002.json names key ${signedBy}, and the key given is not the one the export publishes for it`,
    );

    exported.write(publicKeyKey(keyId), pem);
    const another = cli({}, 'audit', 'verify', '--offline', '--archive', exported.dir, '--public-key', otherFile);
    expect(another.status).toBe(1);
    expect(another.stderr).toContain(`names key ${signedBy}, but the key given is ${keyId}'s`);

    // The right key and a forged signature: no note about keys.
    const digest = JSON.parse(exported.read('digests/system/000000000002.json'));
    const { signature: _, ...unsigned } = digest;
    const forgedSignature = (await other.sign(digestSigningInput(unsigned))).signature;
    exported.write('digests/system/000000000002.json', JSON.stringify({ ...digest, signature: forgedSignature }));
    const forged = cli({}, 'audit', 'verify', '--offline', '--archive', exported.dir, '--public-key', exported.publicKeyFile);
    expect(forged.status).toBe(1);
    expect(forged.stdout).not.toContain('note:');
  });
});

describe('hms-sys audit digest', () => {
  it('says when there was nothing to sign', async () => {
    const lines = printed();
    const { api } = scriptedApi({ digests: [], failures: [], complete: true });
    await run('audit digest', context({}, api));
    expect(lines).toEqual(['nothing to sign: no audit stream has records since its newest digest']);
  });
});

describe('hms-sys audit export', () => {
  it('refuses a folder that is not empty, and --force empties it first', async () => {
    printed();
    const sandbox = await sandboxBucket();
    const out = mkdtempSync(join(tmpdir(), 'export-'));
    try {
      mkdirSync(join(out, 'digests', 'stale'), { recursive: true });
      writeFileSync(join(out, 'digests', 'stale', '000000000001.json'), '{}');
      await expect(run('audit export', context({ out }, scriptedApi().api, sandbox.dataDir))).rejects.toThrow(/--out .* is not empty \(digests\).*--force/);
      expect(readdirSync(join(out, 'digests'))).toEqual(['stale']);

      await run('audit export', context({ out, force: true }, scriptedApi().api, sandbox.dataDir));
      expect(readdirSync(join(out, 'digests'))).toEqual(['system']);
      expect(readFileSync(join(out, 'keys', 'k.pem'), 'utf8')).toBe('pem');
    } finally {
      await sandbox.close();
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('prints no AWS SDK Node version warning on Node 20, where a bare SDK client does', async () => {
    const sandbox = await sandboxBucket();
    const out = join(mkdtempSync(join(tmpdir(), 'export-')), 'new');
    try {
      // Spawned without blocking: the local S3 server it reads runs in this process.
      const exported = await cliAsync({ HMS_DATA_DIR: sandbox.dataDir }, 'audit', 'export', '--out', out);
      expect(exported.stderr).toBe('');
      expect(exported.status).toBe(0);
      if (Number(process.versions.node.split('.')[0]) < 22) {
        // The control: the same client made outside the CLI warns, so the CLI is what silences it.
        const bare = spawnSync(
          process.execPath,
          ['--input-type=module', '-e', "import { S3Client } from '@aws-sdk/client-s3'; new S3Client({ region: 'us-east-1' });"],
          {
            encoding: 'utf8',
            env: Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_'))),
          },
        );
        expect(bare.stderr).toContain('NodeVersionSupportWarning');
      }
    } finally {
      await sandbox.close();
    }
  });
});
