import { describe, expect, it } from 'vitest';
import { placeholderName } from '#adapters/aws/kubernetes-placeholders.ts';
import { OffsetClock } from '#adapters/local/offset-clock.ts';
import { PLACEHOLDER_NAMESPACE } from '#ports/cluster.ts';
import { type Fixture, useSandbox } from './sandbox-fixture.ts';

const clock = new OffsetClock();
const sb = useSandbox({
  clock,
  meterSeconds: 3600,
  burstTickSeconds: 3600,
  capacity: { podsPerNode: 30, maxNodes: 10, nodeProvisioningDelayMs: 150, batchWindowMs: 10 },
});

const MINUTE = 60_000;
/** Longer than a node's launch (150 ms) and a pod's start (20 ms): the simulator follows the sandbox clock. */
const NODES_UP_MS = 1_000;

const status = (fixture: Fixture, id: string) => fixture.http('GET', `/bursts/${id}`).then((r) => r.body);

describe('scheduled bursts, warm capacity and alarm-triggered bursts', () => {
  it('places placeholder pods a lead time before startAt, so the burst starts on warm nodes', async () => {
    await sb.service('fema-portal', 'fema');
    const startAt = new Date(clock.now().getTime() + 5 * MINUTE).toISOString();
    const created = await sb.http('POST', '/bursts', { service: 'fema-portal', fromPods: 10, toPods: 100, maxCostPerHourUSD: 200, holdMinutes: 20, startAt });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ state: 'scheduled', warmUpAt: expect.any(String) });
    expect(created.body.schedule[0]).toMatchObject({ step: 'warm-up', replicas: 90 });
    expect(sb.sandbox.scheduler.pending().map((p) => p.name)).toEqual(
      expect.arrayContaining([`hms-sys-${created.body.burstId}-warm-up`, `hms-sys-${created.body.burstId}-start`]),
    );
    const nodesBefore = sb.sandbox.k8s.state.nodes().length;

    clock.advance(Date.parse(created.body.warmUpAt) - clock.now().getTime() + 1_000);
    await sb.sandbox.scheduler.fireDue();
    await sb.sandbox.bus.drain();
    expect((await status(sb, created.body.burstId)).warmedAt).toBeTruthy();
    expect(sb.sandbox.k8s.state.deployment(PLACEHOLDER_NAMESPACE, placeholderName({ namespace: 'fema', deployment: 'fema-portal' }))?.replicas).toBe(90);
    // The placeholders' nodes come up before the burst starts.
    clock.advance(NODES_UP_MS);
    sb.sandbox.k8s.state.advance();
    expect(sb.sandbox.k8s.state.pendingCount()).toBe(0);
    expect(sb.sandbox.k8s.state.nodes().length).toBeGreaterThan(nodesBefore);

    clock.advance(Date.parse(startAt) - clock.now().getTime() + 1_000);
    await sb.sandbox.scheduler.fireDue();
    await sb.sandbox.bus.drain();
    expect(sb.sandbox.k8s.state.deployment(PLACEHOLDER_NAMESPACE, placeholderName({ namespace: 'fema', deployment: 'fema-portal' }))).toBeUndefined();
    expect(sb.replicas('fema', 'fema-portal')).toBe(100);
    clock.advance(NODES_UP_MS);
    const ready = await status(sb, created.body.burstId);
    expect(ready).toMatchObject({ readyPods: 100, pendingPods: 0 });
    expect(sb.sandbox.k8s.state.nodes().length).toBe(Math.ceil((100 + 8) / 30));

    expect((await sb.http('DELETE', `/bursts/${created.body.burstId}`)).body.state).toBe('cancelled');
  });

  it('warns when the target needs more nodes than the node groups allow, and reports Pending pods', async () => {
    const created = await sb.http('POST', '/bursts', { service: 'fema-portal', fromPods: 10, toPods: 400, maxCostPerHourUSD: 200, holdMinutes: 20 });
    expect(created.status).toBe(201);
    expect(created.body.capacityWarnings.join(' ')).toMatch(/node/);
    clock.advance(NODES_UP_MS);
    const stuck = await status(sb, created.body.burstId);
    expect(stuck.pendingPods).toBeGreaterThan(0);
    expect(stuck.readyPods).toBeGreaterThan(10);
    expect(stuck.capacityWarnings.join(' ')).toMatch(/Pending/);
    await sb.http('DELETE', `/bursts/${created.body.burstId}`);
    expect(sb.replicas('fema', 'fema-portal')).toBe(10);
  });

  it("starts a burst from a rule's scale-out alarm when the rule names a burst template", async () => {
    const rule = await sb.http('POST', '/autoscale-rules', {
      service: 'fema-portal',
      minReplicas: 10,
      maxReplicas: 50,
      trigger: { metric: 'queue_depth', threshold: 100 },
      burst: { toPods: 50, maxCostPerHourUSD: 200, holdMinutes: 10 },
    });
    expect(rule.status).toBe(201);
    await sb.metric('fema-portal', 'queue_depth', 1_000);
    expect(sb.replicas('fema', 'fema-portal')).toBe(50);
    const audit = await sb.http('GET', '/audit?service=fema-portal&limit=200');
    const created = audit.body.records.find((r: { action: string; actor: string }) => r.action === 'burst.create' && r.actor === 'role/hms-sys-burst-runner');
    expect(created.after).toMatchObject({ requestedPods: 50, origin: { kind: 'alarm', ruleId: rule.body.ruleId } });

    // A second alarm while the burst runs changes nothing.
    await sb.metric('fema-portal', 'queue_depth', 2_000);
    expect(sb.replicas('fema', 'fema-portal')).toBe(50);
    const burstId = created.target.replace('burst/', '');
    await sb.http('DELETE', `/bursts/${burstId}`);
    expect(sb.replicas('fema', 'fema-portal')).toBe(10);
  });
});
