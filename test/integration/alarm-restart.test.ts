import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OffsetClock } from '#adapters/local/offset-clock.ts';
import { type Sandbox, type SandboxOptions, startSandbox } from '#sandbox/sandbox.ts';
import { adminHttp, restartOptions, SCALING_RULE } from './restart-fixture.ts';

const dirs: string[] = [];
const running: Sandbox[] = [];
afterAll(async () => {
  for (const sandbox of running) await sandbox.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const options = (dataDir: string, clock: OffsetClock) => restartOptions(dataDir, { clock });

async function start(opts: SandboxOptions) {
  const sandbox = await startSandbox(opts);
  running.push(sandbox);
  const http = (method: string, path: string, body?: unknown) => adminHttp(sandbox, method, path, body);
  /** Every evaluation and delivery under way, finished. */
  const settle = async () => {
    await sandbox.alarms.settled();
    await sandbox.bus.drain();
  };
  const stop = async () => {
    running.splice(running.indexOf(sandbox), 1);
    await sandbox.close();
  };
  return { sandbox, http, settle, stop };
}

const tags = { agency: 'ED', program: 'FSA', fiscalYear: 'FY2026' };

describe("a rule's alarms across a sandbox restart", () => {
  it('keep their states and datapoints: the scale-in alarm does not fire on no data, and lastDecision stands', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hms-sys-alarm-restart-'));
    dirs.push(dataDir);
    const clock = new OffsetClock();
    const first = await start(options(dataDir, clock));
    expect(
      (await first.http('POST', '/services', { name: 'eligibility-api', cluster: 'sandbox', namespace: 'benefits', deployment: 'eligibility-api', tags }))
        .status,
    ).toBe(201);
    const created = await first.http('POST', '/autoscale-rules', SCALING_RULE);
    expect(created.status).toBe(201);
    const { ruleId } = created.body;
    expect((await first.http('POST', '/sandbox/metrics', { service: 'eligibility-api', metric: 'http_rps', value: 1_000 })).status).toBe(200);
    await first.settle();
    const before = (await first.http('GET', `/rules/${ruleId}/status`)).body;
    expect(before.lastDecision.action).toBe('scale-out');
    expect(before.alarms).toEqual([
      { name: `hms-sys-${ruleId}-scale-out`, state: 'ALARM' },
      { name: `hms-sys-${ruleId}-scale-in`, state: 'OK' },
    ]);
    await first.stop();
    const saved = JSON.parse(readFileSync(join(dataDir, 'alarms.json'), 'utf8'));
    expect(saved.alarms.map((a: { spec: { name: string } }) => a.spec.name).sort()).toEqual(before.alarms.map((a: { name: string }) => a.name).sort());

    clock.advance(5_000);
    const second = await start(options(dataDir, clock));
    // The restart re-put both alarms; an evaluation on their cadence follows, as it would in AWS.
    await second.sandbox.alarms.reevaluate();
    await second.settle();
    const after = (await second.http('GET', `/rules/${ruleId}/status`)).body;
    expect(after.state).not.toBe('missing');
    expect(after.alarms).toEqual(before.alarms);
    expect(after.lastDecision).toEqual(before.lastDecision);
    expect(after.replicas).toBe(before.lastDecision.desiredReplicas);

    // The datapoint from before the restart still counts as the metric having been published:
    // once it ages out, the scale-in alarm fires and the rule scales in, rather than holding as
    // for a metric never published.
    clock.advance(10 * 60_000);
    await second.sandbox.alarms.reevaluate();
    await second.settle();
    const later = (await second.http('GET', `/rules/${ruleId}/status`)).body;
    expect(later.alarms).toEqual([
      { name: `hms-sys-${ruleId}-scale-out`, state: 'OK' },
      { name: `hms-sys-${ruleId}-scale-in`, state: 'ALARM' },
    ]);
    expect(later.lastDecision).toMatchObject({ action: 'scale-in', currentReplicas: before.lastDecision.desiredReplicas, desiredReplicas: 4 });
    expect(JSON.stringify(later.lastDecision.reasons)).not.toContain('never published');
  });
});

describe('with persistState: false', () => {
  it('keeps alarms in memory only: no alarms.json', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hms-sys-alarm-memory-'));
    dirs.push(dataDir);
    const { sandbox, stop } = await start({ ...options(dataDir, new OffsetClock()), persistState: false });
    await sandbox.alarms.putMetricData({ namespace: 'HMS/Services', metricName: 'http_rps', dimensions: { Service: 'x' }, value: 1 });
    await stop();
    expect(existsSync(join(dataDir, 'alarms.json'))).toBe(false);
  });
});
