import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { useSandbox } from './sandbox-fixture.ts';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a script without blocking this process, whose sandbox must keep answering meanwhile;
 * `onStdout` sees the output as it arrives.
 */
function runScript(args: string[], env: Record<string, string> = {}, onStdout?: (soFar: string) => void): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { env: { ...process.env, HMS_DATA_DIR: '/nonexistent-hms-sys', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    onStdout?.(stdout);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr })));
}

describe('npm run demo:burst', () => {
  it("plays chapter 22's FEMA burst and exits 0 only after 990 pods were Ready and 10 remain", async () => {
    const run = await runScript(['bin/demo-burst.ts']);
    expect(run.stderr).not.toContain('demo failed');
    expect(run.status).toBe(0);
    const out = run.stdout;
    expect(out).toMatch(/→ maxCostPerHour +990 pods/);
    expect(out).toContain('requested pods: 990 (maxCostPerHour binds)');
    expect(out).toMatch(/estimated cost: \$66\.\d\d = 990 pods × \$0\.201925\/h/);
    expect(out).toMatch(/T\+0\.0 s +BU-1 ramps: replicas 10 → 990/);
    // The ReplicaSet creates 500 pods per sync, so the 980 new pods come in two syncs a second apart, and the nodes in batches.
    expect(out).toMatch(/nodes launched in one batch \(34 in all\)/);
    expect(out).toMatch(/\[#+\] 990\/990 ready {2}state=(ramping|holding)/);
    expect(out).toMatch(/T\+20 min \d\d s +scale-back: done, replicas 10, Ready 10/);
    expect(out).toMatch(/metered \(replica-time × price, ramp through scale-back\): \$6\d\.\d\d/);
    expect(out).toMatch(/burst\.done +back to 10/);
    expect(out).toContain('✔ fema-portal went 10 → 990 Ready pods (capped target 990) → 10');
  });

  it('exits non-zero, saying why, when the node group cannot hold the capped target', async () => {
    const run = await runScript(['bin/demo-burst.ts'], { HMS_DEMO_MAX_NODES: '10' });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('the node groups allow at most 10');
    expect(run.stderr).toMatch(/demo failed: \d+ pods stay Pending: the node group's ceiling of 10 nodes is reached/);
    expect(run.stdout).not.toContain('✔');
  });
});

describe('hms-sys budgets and burst against the sandbox', () => {
  const sb = useSandbox({
    burstTickSeconds: 3_600,
    meterSeconds: 3_600,
    capacity: { podsPerNode: 30, maxNodes: 50, nodeProvisioningDelayMs: 100, batchWindowMs: 10 },
  });
  const cli = (...args: string[]) => runScript(['bin/cli.ts', ...args, '--url', sb.sandbox.url, '--token', sb.sandbox.tokens.admin!]);

  it('sets, reads, lists and deletes a budget', async () => {
    expect((await sb.service('fema-portal', 'fema')).status).toBe(201);
    const set = await cli('budgets', 'set', 'fema-portal', '--monthly-usd', '5000', '--thresholds', '50,80,100');
    expect(set.stderr).toBe('');
    expect(set.stdout).toMatch(
      /^service +monthlyUSD +spentUSD +projectedUSD +maxAffordableReplicas +state\nfema-portal +5,000\.00 +0\.00 +[\d,]+\.\d\d +\d+ +ok\n$/,
    );

    const got = await cli('budgets', 'get', 'fema-portal', '--output', 'json');
    expect(JSON.parse(got.stdout)).toMatchObject({ service: 'fema-portal', monthlyUSD: 5000, thresholds: [50, 80, 100], state: 'ok' });

    const listed = await cli('budgets', 'list', '--agency', 'ED');
    expect(listed.stdout).toMatch(/fema-portal +5,000\.00/);
    expect(listed.stdout).toMatch(/\n\d{4}-\d\d: 1 budget, monthlyUSD 5,000\.00, spentUSD 0\.00/);
    expect((await cli('budgets', 'list', '--agency', 'FEMA')).stdout).toContain(': 0 budgets');

    // A dry run and a delete follow --output: a table by default, JSON when asked.
    const preview = await cli('budgets', 'delete', 'fema-portal', '--dry-run');
    expect(preview.stdout).toMatch(/^dry run, nothing changed: it would delete this\nservice +monthlyUSD .*\nfema-portal +5,000\.00 /);
    expect(JSON.parse((await cli('budgets', 'delete', 'fema-portal', '--dry-run', '--output', 'json')).stdout)).toMatchObject({ dryRun: true });
    expect((await cli('budgets', 'delete', 'fema-portal')).stdout).toBe('deleted fema-portal\n');
    const gone = await cli('budgets', 'get', 'fema-portal');
    expect(gone.status).toBe(1);
    expect(gone.stderr).toMatch(/^hms-sys: 404 /);
  });

  it('creates a burst, watches it, cancels it, and the watch ends on cancelled', async () => {
    const plan = [
      'burst',
      'create',
      '--service',
      'fema-portal',
      '--from',
      '10',
      '--to',
      '1000',
      '--max-cost-per-hour',
      '200',
      '--hold-minutes',
      '20',
      '--dry-run',
    ];
    const dry = await cli(...plan, '--output', 'json');
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, requestedPods: 990, bindingLimit: 'maxCostPerHour' });
    // Money in the JSON is rounded: cents for amounts, six significant digits for the pod-hour price.
    const answer = JSON.parse(dry.stdout) as { estimatedCostUSD: number; podHourUSD: number };
    expect(answer.estimatedCostUSD).toBe(Math.round(answer.estimatedCostUSD * 100) / 100);
    expect(Number(answer.podHourUSD.toPrecision(6))).toBe(answer.podHourUSD);
    const dryTable = await cli(...plan);
    expect(dryTable.stdout).toMatch(
      /^dry run, nothing changed: it would start this burst\nrequestedPods +bindingLimit +estimatedCostUSD +podHourUSD +estimatedReadySeconds\n990 +maxCostPerHour +[\d,]+\.\d\d +0\.\d+ +\d+(\.\d{1,12})?\n\nschedule:\n/,
    );
    expect(sb.replicas('fema', 'fema-portal')).toBe(10);

    const created = await cli(
      'burst',
      'create',
      '--service',
      'fema-portal',
      '--from',
      '10',
      '--to',
      '60',
      '--max-cost-per-hour',
      '200',
      '--hold-minutes',
      '20',
    );
    expect(created.stderr).toBe('');
    const id = /^(BU-\d+) +fema-portal +ramping +60 +toPods +\d+\.\d\d/m.exec(created.stdout)?.[1];
    expect(id).toBeDefined();
    expect(created.stdout).toMatch(/schedule:\n.* ramp +60 +scale from 10 to 60 pods/);
    expect(sb.replicas('fema', 'fema-portal')).toBe(60);

    // The watch prints a line per refresh (its stdout is a pipe); cancel once it has drawn one.
    let drawn!: () => void;
    const firstLine = new Promise<void>((resolve) => {
      drawn = resolve;
    });
    const watching = runScript(
      ['bin/cli.ts', 'burst', 'status', id!, '--watch', '--interval', '0.1', '--url', sb.sandbox.url, '--token', sb.sandbox.tokens.admin!],
      {},
      (out) => {
        if (out.includes('\n')) drawn();
      },
    );
    await firstLine;
    const cancelled = await cli('burst', 'cancel', id!);
    expect(cancelled.stdout).toMatch(new RegExp(`^${id} +fema-portal +cancelled`, 'm'));
    const watch = await watching;
    expect(watch.status).toBe(0);
    const lines = watch.stdout.trim().split('\n');
    expect(lines.every((l) => /^\[[#-]{30}\] \d+\/60 ready {2}state=\w[\w-]*/.test(l))).toBe(true);
    expect(lines[0]).toMatch(/state=ramping/);
    expect(lines.at(-1)).toMatch(/\] 10\/60 ready {2}state=cancelled$/);
    expect(watch.stdout).not.toContain('\r');
    expect(sb.replicas('fema', 'fema-portal')).toBe(10);

    const table = await cli('burst', 'status', id!);
    expect(table.stdout).toMatch(new RegExp(`^burstId +service +state +readyPods +pendingPods +requestedPods .*\\n${id} +fema-portal +cancelled +10 +0 +60 `));
    const status = await cli('burst', 'status', id!, '--output', 'json');
    expect(JSON.parse(status.stdout)).toMatchObject({ burstId: id, state: 'cancelled', readyPods: 10, requestedPods: 60 });
    const unknown = await cli('burst', 'create', '--service', 'no-such-service', '--from', '1', '--to', '2', '--max-cost-per-hour', '1', '--hold-minutes', '1');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/^hms-sys: 404 \w+: .*\(field: service\)/);
  });
});
