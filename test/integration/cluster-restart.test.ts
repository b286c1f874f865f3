import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OffsetClock } from '#adapters/local/offset-clock.ts';
import { type Sandbox, startSandbox } from '#sandbox/sandbox.ts';
import { alarmEvent } from './alarm-events.ts';
import { adminHttp, restartOptions } from './restart-fixture.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'hms-sys-restart-'));
const clock = new OffsetClock();
const options = restartOptions(dataDir, { clock });
let sandbox: Sandbox | undefined;
afterAll(async () => {
  await sandbox?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const http = (method: string, path: string, body?: unknown) => adminHttp(sandbox!, method, path, body);

const tags = { agency: 'ED', program: 'FSA', fiscalYear: 'FY2026' };

describe('the simulated cluster across a sandbox restart', () => {
  it('comes back as hms-sys left it: replicas agree with lastDecision, a direct scale stands, the seed is not laid over it', async () => {
    sandbox = await startSandbox(options);
    expect(sandbox.k8s.resumed).toBe(false);
    for (const name of ['eligibility-api', 'receipt-svc']) {
      expect((await http('POST', '/services', { name, cluster: 'sandbox', namespace: 'benefits', deployment: name, tags })).status).toBe(201);
    }
    const rule = await http('POST', '/autoscale-rules', {
      service: 'eligibility-api',
      minReplicas: 2,
      maxReplicas: 40,
      trigger: { metric: 'queue_depth', threshold: 100 },
    });
    expect(rule.status).toBe(201);
    const [scaled] = await sandbox.bus.publish(alarmEvent(`hms-sys-${rule.body.ruleId}-scale-out`, 1_000, undefined, clock.now()));
    expect(scaled!.result).toMatchObject({ outcome: 'scaled' });
    expect((await http('POST', '/services/receipt-svc/scale', { replicas: 7 })).status).toBe(200);

    const before = await http('GET', `/rules/${rule.body.ruleId}/status`);
    const decided = before.body.lastDecision.desiredReplicas;
    // The seed has 4; the alarm took it well past that.
    expect(decided).toBeGreaterThan(4);
    expect(before.body.replicas).toBe(decided);
    const { uid, generation } = sandbox.k8s.state.deployment('benefits', 'eligibility-api')!;
    const version = Number(sandbox.k8s.state.resourceVersion);
    await sandbox.close();
    sandbox = undefined;
    expect(existsSync(join(dataDir, 'k8s-sim.json'))).toBe(true);

    sandbox = await startSandbox(options);
    expect(sandbox.k8s.resumed).toBe(true);
    const after = await http('GET', `/rules/${rule.body.ruleId}/status`);
    expect(after.body.lastDecision).toEqual(before.body.lastDecision);
    expect(after.body.replicas).toBe(decided);
    expect(sandbox.k8s.state.deployment('benefits', 'eligibility-api')).toMatchObject({ uid, generation, replicas: decided });
    expect(sandbox.k8s.state.deployment('benefits', 'receipt-svc')?.replicas).toBe(7);
    // Its pods come up on the nodes launched for them (5 s in the sandbox), on the one clock.
    clock.advance(10_000);
    const status = await http('GET', `/rules/${rule.body.ruleId}/status`);
    expect(status.body.readyReplicas).toBe(decided);

    // Writes after the restart get resourceVersions beyond every one before it.
    expect((await http('POST', '/services/receipt-svc/scale', { replicas: 3 })).status).toBe(200);
    expect(Number(sandbox.k8s.state.deployment('benefits', 'receipt-svc')!.resourceVersion)).toBeGreaterThan(version);
  });
});
