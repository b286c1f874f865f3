import { describe, expect, it } from 'vitest';
import { OffsetClock } from '#adapters/local/offset-clock.ts';
import { type Fixture, useSandbox } from './sandbox-fixture.ts';

const clock = new OffsetClock();
const sb = useSandbox({
  clock,
  meterSeconds: 3600,
  burstTickSeconds: 3600,
  capacity: { podsPerNode: 30, maxNodes: 50, nodeProvisioningDelayMs: 100, batchWindowMs: 10 },
});

const MINUTE = 60_000;

/**
 * Ticks the runner until the burst reaches `state`, as its minute schedule would, moving the
 * sandbox clock a second between ticks: nodes launch in 100 ms and pods start in 20 ms on it.
 */
async function tickUntil(fixture: Fixture, burstId: string, state: string, attempts = 10) {
  for (let i = 0; i < attempts; i++) {
    await fixture.sandbox.tickBurstsNow();
    const status = await fixture.http('GET', `/bursts/${burstId}`);
    if (status.body.state === state) return status.body;
    clock.advance(1_000);
  }
  throw new Error(`burst ${burstId} never reached ${state}`);
}

const femaBurst = (overrides: Record<string, unknown> = {}) => ({
  service: 'fema-portal',
  fromPods: 10,
  toPods: 100,
  maxCostPerHourUSD: 200,
  holdMinutes: 20,
  ...overrides,
});

describe('burst plans through the sandbox', () => {
  it('ramps to toPods, holds, then scales back to the earlier level', async () => {
    expect((await sb.service('fema-portal', 'fema')).status).toBe(201);
    const created = await sb.http('POST', '/bursts', femaBurst());
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ burstId: expect.stringMatching(/^BU-\d+$/), requestedPods: 100, bindingLimit: 'toPods', state: 'ramping' });
    expect(created.body.schedule.map((s: { step: string }) => s.step)).toEqual(expect.arrayContaining(['ramp', 'hold', 'scale-back']));
    expect(created.body.estimatedCostUSD).toBeGreaterThan(0);
    expect(sb.replicas('fema', 'fema-portal')).toBe(100);

    const holding = await tickUntil(sb, created.body.burstId, 'holding');
    expect(holding).toMatchObject({ readyPods: 100, requestedPods: 100, previousLevel: 10 });

    clock.advance(20 * MINUTE);
    await sb.sandbox.scheduler.fireDue();
    await sb.sandbox.bus.drain();
    const done = await tickUntil(sb, created.body.burstId, 'done');
    expect(done.endedAt).toBeTruthy();
    expect(sb.replicas('fema', 'fema-portal')).toBe(10);

    const audit = await sb.http('GET', '/audit?service=fema-portal');
    const actions = audit.body.records.map((r: { action: string }) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['burst.create', 'burst.ramp', 'burst.hold', 'burst.scale-back', 'burst.done']));
  });

  it('names the cost cap as the binding limit when it binds before toPods', async () => {
    const dry = await sb.http('POST', '/bursts?dryRun=true', femaBurst({ toPods: 1000 }));
    expect(dry.status).toBe(200);
    // fema-portal's pod (4 vCPU, 8 GiB → 9 GB billed) costs $0.201925 an hour at us-east-1 Fargate rates.
    expect(dry.body).toMatchObject({ dryRun: true, burstId: null, requestedPods: 990, bindingLimit: 'maxCostPerHour' });
    expect(sb.replicas('fema', 'fema-portal')).toBe(10);
  });

  it('cancels a burst midway and restores the earlier level', async () => {
    const created = await sb.http('POST', '/bursts', femaBurst({ toPods: 60 }));
    expect(created.status).toBe(201);
    expect(sb.replicas('fema', 'fema-portal')).toBe(60);
    const again = await sb.http('POST', '/bursts', femaBurst({ toPods: 70 }));
    expect(again.status).toBe(409);

    const cancelled = await sb.http('DELETE', `/bursts/${created.body.burstId}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.state).toBe('cancelled');
    expect(sb.replicas('fema', 'fema-portal')).toBe(10);
    expect((await sb.http('DELETE', `/bursts/${created.body.burstId}`)).body.state).toBe('cancelled');
  });

  it('still scales back when the runner crashes during the scale-back', async () => {
    const created = await sb.http('POST', '/bursts', femaBurst({ toPods: 40, holdMinutes: 5 }));
    await tickUntil(sb, created.body.burstId, 'holding');
    clock.advance(5 * MINUTE);
    // Every write to the scale subresource fails: the runner records scaling-back, then dies on the cluster write.
    sb.sandbox.k8s.injectFault({ method: 'PATCH', pathIncludes: '/fema/deployments/fema-portal/scale', status: 500, times: 1_000 });
    await sb.sandbox.tickBurstsNow();
    expect((await sb.http('GET', `/bursts/${created.body.burstId}`)).body.state).toBe('scaling-back');
    expect(sb.replicas('fema', 'fema-portal')).toBe(40);

    sb.sandbox.k8s.clearFaults();
    const done = await tickUntil(sb, created.body.burstId, 'done');
    expect(done.previousLevel).toBe(10);
    expect(sb.replicas('fema', 'fema-portal')).toBe(10);
  });

  it.each([
    ['negative money', femaBurst({ maxCostPerHourUSD: -5 }), 400, 'maxCostPerHourUSD'],
    ['toPods below fromPods', femaBurst({ fromPods: 50, toPods: 20 }), 400, 'toPods'],
    ['an unknown service', femaBurst({ service: 'no-such-service' }), 404, 'service'],
    ['a hold over 7 days', femaBurst({ holdMinutes: 7 * 24 * 60 + 1 }), 400, 'holdMinutes'],
  ])('refuses %s with a JSON error naming the field', async (_label, body, status, field) => {
    const answer = await sb.http('POST', '/bursts', body);
    expect(answer.status).toBe(status);
    expect(answer.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String), field });
  });
});
