import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dataDir = mkdtempSync(join(tmpdir(), 'hms-sys-dev-'));
let child: ChildProcess | undefined;

afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

/** Starts `hms-sys dev` as `npm start` does and collects what it prints until it is ready. */
function startDev(): Promise<string> {
  child = spawn(process.execPath, ['--import', 'tsx', 'bin/cli.ts', 'dev', '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child!.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (/auditor +\S+\n/.test(out)) resolve(out);
    });
    child!.once('exit', (code) => reject(new Error(`hms-sys dev exited with ${code}: ${out}`)));
  });
}

describe('npm start (hms-sys dev)', () => {
  it('prints the API URL and a working token for each scope profile, and stops cleanly', async () => {
    const printed = await startDev();
    const url = /API: +(http:\/\/127\.0\.0\.1:\d+)/.exec(printed)?.[1];
    expect(url).toBeDefined();
    const tokens = Object.fromEntries([...printed.matchAll(/^ {4}(admin|operator|reader|auditor) +(\S+)$/gm)].map(([, p, t]) => [p, t]));
    expect(Object.keys(tokens).sort()).toEqual(['admin', 'auditor', 'operator', 'reader']);

    const read = await fetch(`${url}/services`, { headers: { authorization: `Bearer ${tokens.reader}` } });
    expect(read.status).toBe(200);
    const denied = await fetch(`${url}/audit`, { headers: { authorization: `Bearer ${tokens.operator}` } });
    expect(denied.status).toBe(403);
    expect(existsSync(join(dataDir, 'sandbox.json'))).toBe(true);

    const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
    child!.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(join(dataDir, 'sandbox.json'))).toBe(false);
  });
});

describe('npm run demo', () => {
  it("plays chapter 5's surge and exits 0 only after the replicas went up and came back", () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bin/demo.ts'], { encoding: 'utf8', timeout: 120_000 });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/✔ eligibility-api went 4 → \d+ → 4 replicas/);
    expect(run.stdout).toMatch(/hash chain: \d+ records, intact/);
  });
});
