import { describe, expect, it } from 'vitest';
import { OffsetClock } from '#adapters/local/offset-clock.ts';
import { alarmEvent } from './alarm-events.ts';
import { useSandbox } from './sandbox-fixture.ts';

const clock = new OffsetClock();
const sb = useSandbox({ clock });

describe('an HPA-managed Deployment', () => {
  it("raises the HPA's minReplicas instead of fighting it, within the HPA's maximum", async () => {
    await sb.service('notification-svc');
    const rule = await sb.rule({
      service: 'notification-svc',
      minReplicas: 2,
      maxReplicas: 40,
      trigger: { metric: 'queue_depth', threshold: 100 },
    });

    const [first] = await sb.sandbox.bus.publish(alarmEvent(`hms-sys-${rule.ruleId}-scale-out`, 300));
    expect(first!.result).toMatchObject({ outcome: 'scaled', appliedTo: 'hpa' });
    expect(sb.sandbox.k8s.state.hpa('benefits', 'notification-svc')?.minReplicas).toBe(6);
    // The HPA controller imposes its new floor at its next sync (every second, on the sandbox clock).
    clock.advance(1_000);
    expect(sb.replicas('benefits', 'notification-svc')).toBe(6);

    await sb.sandbox.bus.publish(alarmEvent(`hms-sys-${rule.ruleId}-scale-out`, 1_000));
    expect(sb.sandbox.k8s.state.hpa('benefits', 'notification-svc')?.minReplicas).toBe(10);
    const audit = (await sb.http('GET', '/audit?service=notification-svc&limit=1')).body.records[0];
    expect(audit.reasons.join(' ')).toContain('HPA');
  });
});
