import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { S3ArchiveStore, s3Client } from '#adapters/aws/s3-archive-store.ts';
import { ARCHIVE_PREFIX, DIGEST_PREFIX, KEY_PREFIX } from '#domain/audit-digest.ts';
import { exportArchive } from '../../bin/commands/audit-archive.ts';
import { useSandbox } from './sandbox-fixture.ts';

const sb = useSandbox();

/** A command as an auditor runs it, with no sandbox to reach and no AWS credentials. */
function offline(command: string[]): { status: number | null; stdout: string; stderr: string } {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && !name.startsWith('HMS_')));
  return spawnSync(process.execPath, command, { encoding: 'utf8', env: { ...env, HMS_DATA_DIR: '/nonexistent-hms-sys' } });
}

describe('an archive the sandbox signed, exported and verified offline', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hms-audit-export-'));
  const keyFile = join(mkdtempSync(join(tmpdir(), 'hms-audit-key-')), 'audit-key.pem');

  it('exports two digest runs of changes and lookups, which both verifiers pass with no sandbox and no AWS', async () => {
    expect((await sb.service('off-a', 'benefits', 'receipt-svc')).status).toBe(201);
    expect((await sb.http('POST', '/budgets/off-a', { monthlyUSD: 5 })).status).toBe(200);
    expect((await sb.http('GET', '/audit?kind=lookup')).status).toBe(200);
    expect((await sb.http('POST', '/audit/digests', undefined, sb.sandbox.tokens.auditor)).body.failures).toEqual([]);
    expect((await sb.http('POST', '/budgets/off-a', { monthlyUSD: 7 })).status).toBe(200);
    expect((await sb.http('GET', '/audit?kind=lookup')).status).toBe(200);
    expect((await sb.http('POST', '/audit/digests', undefined, sb.sandbox.tokens.auditor)).body.failures).toEqual([]);

    const key = await sb.http('GET', '/audit/public-key', undefined, sb.sandbox.tokens.auditor);
    writeFileSync(keyFile, key.body.pem);
    const bucket = new S3ArchiveStore({
      client: s3Client({ region: 'us-east-1', endpoint: sb.sandbox.auditArchive.s3Endpoint }),
      bucket: sb.sandbox.auditArchive.bucket,
    });
    expect(await exportArchive(bucket, [DIGEST_PREFIX, ARCHIVE_PREFIX, KEY_PREFIX], dir)).toBeGreaterThan(4);

    const ours = offline(['--import', 'tsx', 'bin/cli.ts', 'audit', 'verify', '--offline', '--archive', dir, '--public-key', keyFile, '--output', 'json']);
    expect(ours.stderr).toBe('');
    expect(ours.status).toBe(0);
    const report = JSON.parse(ours.stdout);
    expect(report.streams).toContainEqual(expect.objectContaining({ stream: 'service#off-a', digests: 2, break: null }));
    expect(report.streams.some((stream: { stream: string }) => stream.stream.startsWith('lookup#'))).toBe(true);

    const theirs = offline(['test/fixtures/independent-verifier.mjs', dir, keyFile]);
    expect(theirs.status).toBe(0);
    expect(JSON.parse(theirs.stdout).intact).toBe(true);
  });

  it('names the newest record deleted from the export, in both verifiers', () => {
    const folder = join(dir, 'archive', 'service%23off-a');
    const newest = readdirSync(folder).sort().at(-1)!;
    const lines = readFileSync(join(folder, newest), 'utf8').split('\n');
    writeFileSync(join(folder, newest), `${lines.slice(0, -2).join('\n')}\n`);

    const ours = offline(['--import', 'tsx', 'bin/cli.ts', 'audit', 'verify', '--offline', '--archive', dir, '--public-key', keyFile]);
    expect(ours.status).toBe(1);
    expect(ours.stderr).toContain(`service#off-a: archive-hash at archive/service%23off-a/${newest}`);
    const theirs = offline(['test/fixtures/independent-verifier.mjs', dir, keyFile]);
    expect(theirs.status).toBe(1);
    expect(JSON.parse(theirs.stdout).breaks).toEqual([expect.objectContaining({ stream: 'service#off-a', kind: 'archive-hash' })]);
  });
});
