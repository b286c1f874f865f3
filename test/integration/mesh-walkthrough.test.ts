/**
 * The README's mesh walk-through, run as a newcomer pastes it: `npm start` (here `hms-sys dev` on a
 * free port and its own data folder) in one process, then each command of the section in bash, in
 * the folder its `cd` names, from its first line (the session folder, the clone's bins on the PATH,
 * nothing installed) to its last; each printed output block must be what the command before it printed.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bashCommands, blocksOf, readmeSection } from '../unit/docs/readme-commands.ts';

const SECTION = "Walk-through: the seeds' services on the mesh";
const README_URL = 'http://127.0.0.1:8787';
const dataDir = mkdtempSync(join(tmpdir(), 'hms-sys-mesh-walk-'));
let sandbox: ChildProcess | undefined;
let url = '';
let banner = '';

interface Step {
  line: string;
  status: number | null;
  stdout: string;
  stderr: string;
}

function startSandbox(): Promise<void> {
  sandbox = spawn(process.execPath, ['--import', 'tsx', 'bin/cli.ts', 'dev', '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolvePromise, reject) => {
    let out = '';
    sandbox!.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (/auditor +\S+\n/.test(out)) {
        banner = out;
        url = (JSON.parse(readFileSync(join(dataDir, 'sandbox.json'), 'utf8')) as { url: string }).url;
        resolvePromise();
      }
    });
    sandbox!.once('exit', (code) => reject(new Error(`hms-sys dev exited with ${code}: ${out}`)));
  });
}

const steps: Step[] = [];
let cwd = process.cwd();
let vars: Record<string, string> = {};

/**
 * Runs one pasted command in bash in the folder the section's `cd` left, against this sandbox's
 * session, with the variables the earlier commands set (set -a exports each).
 */
function run(line: string): Step {
  const cd = /^cd (\S+)$/.exec(line);
  if (cd) {
    cwd = resolve(cwd, cd[1]!);
    return { line, status: 0, stdout: '', stderr: '' };
  }
  // The README names the sandbox's usual port and data folder; this one runs on a free port and its own.
  const pasted = line.replaceAll(README_URL, url).replaceAll('$PWD/.hms-sys', dataDir);
  const marker = '@@variables@@';
  const result = spawnSync('bash', ['-c', `set -aeo pipefail\n${pasted}\necho '${marker}'\nenv -0`], {
    encoding: 'utf8',
    cwd,
    env: { ...process.env, KUBECACHEDIR: join(dataDir, 'kube-cache'), ...vars },
  });
  const [stdout = '', env = ''] = result.stdout.split(`${marker}\n`);
  if (result.status === 0) {
    vars = Object.fromEntries(
      env
        .split('\0')
        .filter(Boolean)
        .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
    );
  }
  return { line, status: result.status, stdout, stderr: result.stderr };
}

const stepOf = (fragment: string) => {
  const step = steps.find((s) => s.line.includes(fragment));
  if (!step) throw new Error(`no step ran "${fragment}"`);
  return step;
};

beforeAll(async () => {
  const commands = bashCommands(readmeSection(SECTION));
  expect(commands[0]).toBe('export HMS_DATA_DIR="$PWD/.hms-sys" KUBECONFIG="$PWD/.hms-sys/kubeconfig"');
  await startSandbox();
  for (const line of commands) {
    const step = run(line);
    steps.push(step);
    if (step.status !== 0) break;
  }
}, 240_000);

afterAll(async () => {
  if (sandbox && sandbox.exitCode === null) {
    const exited = new Promise((r) => sandbox!.once('exit', r));
    sandbox.kill('SIGTERM');
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the README's mesh walk-through, pasted into a shell", () => {
  it('runs every command to exit 0', () => {
    const failed = steps.filter((s) => s.status !== 0).map((s) => `${s.line}\n${s.stdout}\n${s.stderr}`);
    expect(failed).toEqual([]);
    expect(steps.length).toBe(bashCommands(readmeSection(SECTION)).length);
    // Nothing was linked into npm's global prefix: hms-sys and hms came from the session folder.
    expect(stepOf('export PATH=').status).toBe(0);
  });

  it('prints what the README shows after each command it shows the output of', () => {
    // hms-sys deploy waits for the pods, so even the pods line is compared as printed.
    let at = 0;
    let compared = 0;
    for (const block of blocksOf(readmeSection(SECTION))) {
      at += block.commands.length;
      if (!block.output) continue;
      const step = steps[at - 1]!;
      expect(step.line).toBe(block.commands.at(-1));
      const printed = step.stdout.trimEnd().split('\n');
      expect(printed.slice(0, block.output.length), step.line).toEqual(block.output);
      compared += 1;
    }
    expect(compared).toBeGreaterThanOrEqual(4);
  });

  it("deploys chapter 12's file in the seed's words, and no step that did not happen", () => {
    const printed = stepOf('deploy receipt.hms.yml').stdout;
    expect(printed).toMatch(/^✓ Registered in service mesh$/m);
    expect(printed).toMatch(/^✓ Auto-scaler set \(2-10\)$/m);
    expect(printed).toMatch(/^Service URL: http:\/\/receipt-svc\.mesh\/receipt$/m);
    // It waited for the pods: the server's reading at the apply ("so far") is replaced by what was seen.
    expect(printed).toMatch(/^✓ 2\/2 pods ready \(ghcr\.io\/gov\/receipt:1\.0\)$/m);
    expect(printed).not.toMatch(/so far/);
    expect(stepOf('apply -f fraud-scanner.yaml').stdout).toMatch(/^✓ 1\/1 pods ready \(\S+\)$/m);
    expect(printed).not.toMatch(/Image pulled|cert issued|expires in/);
  });

  it('shows a dry run of the policy as YAML objects with diffs, then applies it live', () => {
    const preview = stepOf('--dry-run').stdout;
    expect(preview).toMatch(/^dry run, nothing changed: TrafficPolicy fraud-scan-policy/);
    expect(preview).toMatch(/^kind: VirtualService$/m);
    expect(preview).toMatch(/^# VirtualService \S+\/fraud-scanner: would be configured$/m);
  });

  it('discovers notification-svc at the URL chapter 10 names, from the CLI and with curl', () => {
    expect(stepOf('discover notification-svc').stdout.split('\n')[0]).toBe('http://notification-svc.mesh:7000');
    expect(JSON.parse(stepOf('/registry/notification-svc').stdout).meshUrl).toBe('http://notification-svc.mesh:7000');
    expect(stepOf('hms-sys registry').stdout).toMatch(/^receipt-svc +default +1\.0\.0 +3000 +http:\/\/receipt-svc\.mesh:3000 +STRICT/m);
  });

  it('prints where the local data plane listens, in the banner and in sandbox.json', () => {
    const session = JSON.parse(readFileSync(join(dataDir, 'sandbox.json'), 'utf8')) as { meshProxy: string; meshMetrics: string };
    expect(session.meshProxy).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(session.meshMetrics).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/stats\/prometheus$/);
    expect(banner).toContain(`Mesh proxy:  ${session.meshProxy}  (curl --proxy; metrics at ${session.meshMetrics})`);
  });

  it("starts the team's own notification-svc Deployment, whose pods discover then lists", () => {
    const discovered = steps.filter((s) => s.line === 'hms-sys discover notification-svc');
    expect(discovered).toHaveLength(2);
    expect(discovered[0]!.stdout).toMatch(/^ready endpoints: none$/m);
    expect(discovered[1]!.stdout).toMatch(/^ready endpoints: 10\.\S+:7000 \(notification-svc-\S+\), 10\.\S+:7000 \(notification-svc-\S+\)$/m);
  });

  it('imports discover() as hms-sys/discover and gets the mesh URL', () => {
    expect(stepOf("import('hms-sys/discover')").stdout.trim()).toBe('http://notification-svc.mesh:7000');
  });
});
