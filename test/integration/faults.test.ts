import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OffsetClock } from '#adapters/local/offset-clock.ts';
import { alarmEvent } from './alarm-events.ts';
import { useSandbox } from './sandbox-fixture.ts';

const clock = new OffsetClock();
// Nodes launch in 100 ms here, so each case's new pods are Ready within a moment.
const sb = useSandbox({ clock, capacity: { podsPerNode: 30, maxNodes: 100, nodeProvisioningDelayMs: 100, batchWindowMs: 10 } });
let ruleId = '';

/**
 * The scaler sizes from Ready pods, as the HPA does, so each case starts once the last case's new
 * pods are Ready (20 ms, plus 100 ms for a node's launch when one is needed, on the sandbox clock).
 */
function expectAllReady(): void {
  const { state } = sb.sandbox.k8s;
  state.advance();
  const deployment = state.deployment('fema', 'fema-portal');
  if (deployment) expect(state.readyCount(deployment)).toBe(deployment.replicas);
}

// Each case is two metric periods after the last, so its datapoint has seen the last change.
beforeEach(() => {
  clock.advance(120_000);
  expectAllReady();
});
afterEach(() => sb.sandbox.k8s.clearFaults());

const event = (value: number) => alarmEvent(`hms-sys-${ruleId}-scale-out`, value, undefined, clock.now());

async function scaleOnce(value: number) {
  const [invocation] = await sb.sandbox.bus.publish(event(value));
  return invocation!;
}

describe('cluster API faults', () => {
  it('sets up a rule on fema-portal', async () => {
    await sb.service('fema-portal', 'fema');
    ruleId = (
      await sb.http('POST', '/autoscale-rules', {
        service: 'fema-portal',
        minReplicas: 10,
        maxReplicas: 1_000,
        trigger: { metric: 'http_rps', threshold: 100 },
      })
    ).body.ruleId;
    expect(ruleId).toMatch(/^AR-/);
  });

  it.each([
    ['a 409 conflict', { method: 'PATCH', pathIncludes: '/deployments/fema-portal/scale', status: 409, times: 1 }],
    ['a 429 throttle', { method: 'PATCH', pathIncludes: '/deployments/fema-portal/scale', status: 429, times: 2 }],
    ['a 500 error', { method: 'GET', pathIncludes: '/deployments/fema-portal', status: 500, times: 2 }],
    ['a timeout', { method: 'PATCH', pathIncludes: '/deployments/fema-portal/scale', timeout: true, times: 1 }],
  ])('retries through %s and still scales', async (_, fault) => {
    const before = sb.replicas('fema', 'fema-portal')!;
    sb.sandbox.k8s.injectFault(fault);
    const invocation = await scaleOnce(150);
    expect(invocation.error).toBeUndefined();
    expect(invocation.result).toMatchObject({ outcome: 'scaled' });
    expect(sb.replicas('fema', 'fema-portal')).toBe(Math.ceil(before * 1.5));
  });

  it("audits each failed attempt and parks the event in the dead-letter queue after Lambda's retries", async () => {
    const before = sb.replicas('fema', 'fema-portal');
    const parkedBefore = sb.sandbox.deadLetter.items().length;
    sb.sandbox.k8s.injectFault({ pathIncludes: '/deployments/fema-portal', status: 503, times: 1_000 });
    const parkedEvent = event(150);

    const [invocation] = await sb.sandbox.bus.publish(parkedEvent);
    expect(invocation).toMatchObject({ attempts: 3, error: expect.stringContaining('503') });
    expect(sb.replicas('fema', 'fema-portal')).toBe(before);
    const parked = sb.sandbox.deadLetter.items().slice(parkedBefore);
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({ source: 'lambda/scaler', reason: expect.stringContaining('503'), payload: { id: parkedEvent.id } });
    const failures = (await sb.http('GET', '/audit?service=fema-portal&limit=3')).body.records;
    expect(failures.map((r: { action: string }) => r.action)).toEqual(['scale.failed', 'scale.failed', 'scale.failed']);
    expect(failures[0]).toMatchObject({ outcome: 'failure', requestId: parkedEvent.id, actor: 'role/hms-sys-scaler' });

    sb.sandbox.k8s.clearFaults();
    const [redriven] = await sb.sandbox.bus.publish(parkedEvent);
    expect(redriven!.result).toMatchObject({ outcome: 'scaled' });
  });
});
