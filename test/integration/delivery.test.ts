import { describe, expect, it } from 'vitest';
import { alarmEvent } from './alarm-events.ts';
import { useSandbox } from './sandbox-fixture.ts';

const sb = useSandbox();

function countScalePatches(deployment: string) {
  let count = 0;
  const stop = sb.sandbox.k8s.onRequest((r) => {
    if (r.method === 'PATCH' && r.path.includes(`/deployments/${deployment}/scale`) && r.status === 200) count += 1;
  });
  return {
    get count() {
      return count;
    },
    stop,
  };
}

describe('at-least-once delivery and concurrent alarms', () => {
  it('scales once for an event delivered twice', async () => {
    await sb.service('eligibility-api');
    const rule = await sb.rule({
      service: 'eligibility-api',
      minReplicas: 4,
      maxReplicas: 20,
      trigger: { metric: 'http_rps', threshold: 500 },
    });
    const patches = countScalePatches('eligibility-api');
    const event = alarmEvent(`hms-sys-${rule.ruleId}-scale-out`, 1_000);

    const [first] = await sb.sandbox.bus.publish(event);
    const [second] = await sb.sandbox.bus.publish(event);
    patches.stop();

    expect(first!.result).toMatchObject({ outcome: 'scaled' });
    expect(second!.result).toMatchObject({ outcome: 'duplicate' });
    expect(patches.count).toBe(1);
    expect(sb.replicas('benefits', 'eligibility-api')).toBe(8);
  });

  it('keeps the larger of two concurrent scale-outs on one Deployment', async () => {
    await sb.service('receipt-svc');
    const byRps = await sb.rule({
      service: 'receipt-svc',
      minReplicas: 2,
      maxReplicas: 50,
      trigger: { metric: 'http_rps', threshold: 100 },
    });
    const byCpu = await sb.rule({
      service: 'receipt-svc',
      minReplicas: 2,
      maxReplicas: 50,
      trigger: { metric: 'cpu_percent', threshold: 50 },
    });
    const conflicts: string[] = [];
    const stop = sb.sandbox.k8s.onRequest((r) => {
      if (r.status === 409) conflicts.push(r.path);
    });

    // From 2 replicas: rps asks for ceil(2*400/100) = 8, cpu for ceil(2*300/50) = 12.
    const runs = await Promise.all([
      sb.sandbox.bus.publish(alarmEvent(`hms-sys-${byRps.ruleId}-scale-out`, 400)),
      sb.sandbox.bus.publish(alarmEvent(`hms-sys-${byCpu.ruleId}-scale-out`, 300)),
    ]);
    stop();

    expect(runs.flat().every((i) => i.error === undefined)).toBe(true);
    expect(sb.replicas('benefits', 'receipt-svc')).toBe(12);
    const audit = (await sb.http('GET', '/audit?service=receipt-svc&limit=10')).body.records;
    const decisions = audit.filter((r: { action: string }) => r.action.startsWith('scale.'));
    expect(decisions).toHaveLength(2);
    expect(conflicts.length).toBeLessThanOrEqual(1);
  });
});
