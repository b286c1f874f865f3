import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { hmsToHmsSys } from '../../../bin/hms-args.ts';

const env = { ...process.env, HMS_DATA_DIR: '/nonexistent-hms-sys', HMS_URL: '', HMS_TOKEN: '' };
const run = (bin: string, ...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env });

describe('the hms bin', () => {
  it('maps the seeds’ command lines onto hms-sys', () => {
    expect(hmsToHmsSys(['sys', 'apply', 'manifests/notification.yaml'])).toEqual({ kind: 'run', argv: ['apply', 'manifests/notification.yaml'] });
    expect(hmsToHmsSys(['sys', 'apply', 'policies/irs-fraud.yml'])).toEqual({ kind: 'run', argv: ['apply', 'policies/irs-fraud.yml'] });
    expect(hmsToHmsSys(['mesh', 'status'])).toEqual({ kind: 'run', argv: ['mesh', 'status'] });
    expect(hmsToHmsSys(['mesh', 'top', '--service', 'fraud-scanner'])).toEqual({ kind: 'run', argv: ['mesh', 'top', '--service', 'fraud-scanner'] });
    expect(hmsToHmsSys([])).toMatchObject({ kind: 'usage-error' });
    expect(hmsToHmsSys(['--help'])).toEqual({ kind: 'help' });
    expect(hmsToHmsSys(['deploy', 'receipt.hms.yml'])).toMatchObject({ kind: 'usage-error' });
  });

  it('runs hms-sys with the mapped arguments: the same output and exit status', () => {
    for (const [hms, hmsSys] of [
      [
        ['sys', 'services', 'list', '--help'],
        ['services', 'list', '--help'],
      ],
      [
        ['mesh', 'status', '--help'],
        ['mesh', 'status', '--help'],
      ],
      [['sys', 'bogus-command'], ['bogus-command']],
    ]) {
      const viaHms = run('bin/hms.js', ...(hms ?? []));
      const direct = run('bin/hms-sys.js', ...(hmsSys ?? []));
      expect({ status: viaHms.status, stdout: viaHms.stdout, stderr: viaHms.stderr }).toEqual({
        status: direct.status,
        stdout: direct.stdout,
        stderr: direct.stderr,
      });
    }
  });

  it('refuses anything but sys and mesh with a usage error, exiting 2', () => {
    const answer = run('bin/hms.js', 'apply', 'receipt.hms.yml');
    expect(answer.status).toBe(2);
    expect(answer.stderr).toContain("hms: unknown command 'apply'");
    expect(answer.stderr).toContain('hms sys <command>');
    expect(answer.stdout).toBe('');
    const nothing = run('bin/hms.js');
    expect(nothing.status).toBe(2);
    expect(nothing.stderr).toContain('hms sys <command>');
    expect(nothing.stdout).toBe('');
    for (const alone of ['sys', 'mesh']) {
      const bare = run('bin/hms.js', alone);
      expect(bare.status, alone).toBe(2);
      expect(bare.stderr).toContain(`\`hms ${alone}\` needs a command`);
      expect(bare.stderr).toContain('hms sys <command>');
    }
    const help = run('bin/hms.js', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('hms mesh <command>');
  });
});
