import { spawnSync } from 'node:child_process';
import { rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { archiveKey, digestKey } from '#domain/audit-digest.ts';
import { writeExport } from '../use-cases/archive-export-fixture.ts';

/** The CLI as an auditor runs it: no sandbox (a data folder that does not exist), no AWS credentials, no API. */
const cli = (...args: string[]) => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && !name.startsWith('HMS_')));
  return spawnSync(process.execPath, ['--import', 'tsx', 'bin/cli.ts', ...args], {
    encoding: 'utf8',
    env: { ...env, HMS_DATA_DIR: '/nonexistent-hms-sys', AWS_EC2_METADATA_DISABLED: 'true' },
  });
};

describe('hms-sys audit verify --offline', () => {
  it('passes an intact export with no sandbox and no AWS, and names a deleted newest record, exiting 1', async () => {
    const exported = await writeExport({ 'service#intake': [3, 2], system: [2] });
    const intact = cli('audit', 'verify', '--offline', '--archive', exported.dir, '--public-key', exported.publicKeyFile);
    expect(intact.stderr).toBe('');
    expect(intact.status).toBe(0);
    expect(intact.stdout).toMatch(/service#intake\s+2\s+5\s+5\s/);
    expect(intact.stdout).toContain('intact: 2 streams');

    const newest = archiveKey('service#intake', 4, 5);
    exported.write(newest, exported.read(newest).split('\n').slice(0, 1).join('\n').concat('\n'));
    const broken = cli('audit', 'verify', '--offline', '--archive', exported.dir, '--public-key', exported.publicKeyFile, '--output', 'json');
    expect(broken.status).toBe(1);
    expect(JSON.parse(broken.stdout)).toMatchObject({ intact: false, firstBreak: { stream: 'service#intake', kind: 'archive-hash', key: newest } });
    expect(broken.stderr).toContain(`hms-sys: the archive is not intact: service#intake: archive-hash at ${newest}`);
  });

  it('refuses, exiting 2, a key that is not a P-256 public key, a missing folder, and online options beside --offline', async () => {
    const exported = await writeExport({ system: [1] });
    const notAKey = join(exported.dir, '..', `not-a-key-${process.pid}.pem`);
    writeFileSync(notAKey, 'hello');
    const badKey = cli('audit', 'verify', '--offline', '--archive', exported.dir, '--public-key', notAKey);
    expect(badKey.status).toBe(2);
    expect(badKey.stderr).toContain('is not a PEM P-256 (prime256v1) public key');
    expect(cli('audit', 'verify', '--offline', '--archive', '/nonexistent-export', '--public-key', exported.publicKeyFile).status).toBe(2);
    const mixed = cli('audit', 'verify', '--offline', '--service', 'intake', '--archive', exported.dir, '--public-key', exported.publicKeyFile);
    expect(mixed.status).toBe(2);
    expect(mixed.stderr).toContain('--service checks the live audit table');
  });

  it("names a huge archive object and an oversized digest as their streams' format breaks, still reporting every stream", async () => {
    const exported = await writeExport({ 'service#intake': [3, 2], system: [2], 'lookup#2026-12-03': [1] });
    // A sparse file: 600 MB by its size, more than a string can hold, with no disk or time spent writing it.
    const huge = archiveKey('service#intake', 4, 5);
    truncateSync(exported.path(huge), 600 * 1024 * 1024);
    const padded = digestKey('system', 2);
    exported.write(padded, exported.read(padded).concat(' '.repeat(70 * 1024)));

    const checked = cli('audit', 'verify', '--offline', '--archive', exported.dir, '--public-key', exported.publicKeyFile, '--output', 'json');
    expect(checked.status).toBe(1);
    const report = JSON.parse(checked.stdout);
    expect(report.streams).toEqual([
      expect.objectContaining({ stream: 'lookup#2026-12-03', verifiedThrough: 1, break: null }),
      expect.objectContaining({
        stream: 'service#intake',
        verifiedThrough: 3,
        break: {
          stream: 'service#intake',
          key: huge,
          kind: 'format',
          problem: `${huge} is 629145600 bytes, over the 268435456-byte limit for an object of its kind`,
        },
      }),
      expect.objectContaining({ stream: 'system', verifiedThrough: 0, break: expect.objectContaining({ key: padded, kind: 'format' }) }),
    ]);
    expect(checked.stderr).toContain(`service#intake: format at ${huge}`);
    expect(checked.stderr).toContain(`system: format at ${padded}`);
    rmSync(exported.dir, { recursive: true, force: true });
  });
});
