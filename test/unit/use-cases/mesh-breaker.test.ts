import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { breakerAlarm, breakerAlarmName } from '#domain/mesh/breaker-alarm.ts';
import type { TrafficPolicy } from '#domain/mesh/canonical.ts';
import { parseManifest } from '#domain/mesh/manifest-parse.ts';
import { closeBreaker, tripBreaker } from '#use-cases/mesh/breaker.ts';
import { expireDue } from '#use-cases/mesh/mesh-expiry.ts';
import { meshStatus } from '#use-cases/mesh/mesh-status.ts';
import { reapplyService } from '#use-cases/mesh/reapply.ts';
import { Crash } from './crash-harness.ts';
import type { MemoryScheduler } from './memory-ports.ts';
import { firstRouteAnswer, meshPorts, operator, registerSeed } from './mesh-ports.ts';

let ports: ReturnType<typeof meshPorts>['ports'];
let clock: ReturnType<typeof meshPorts>['clock'];
const controller = { actor: 'role/hms-sys-mesh', requestId: 'evt-1' };
const ALARM = breakerAlarmName('fraud-scanner');
const seconds = (n: number) => {
  clock.current = new Date(clock.current.getTime() + n * 1000);
};
const schedule = () => (ports.meshScheduler as MemoryScheduler).schedules.get('mesh-breaker-fraud-scanner');
const metrics = () => ports.metrics as unknown as { inAlarm: string[] };
const percents = () => (ports.metrics as unknown as { percents: { periodStart: string; value: number }[] }).percents;

beforeEach(async () => {
  ({ ports, clock } = meshPorts());
  await registerSeed(ports, 'return-intake.yaml');
  await registerSeed(ports, 'fraud-scanner.yaml');
  // Chapter 7's irs-fraud.yml: errorPercent 20 on fraud-scanner.
  const text = readFileSync(new URL('../../fixtures/seeds/policies/irs-fraud.yml', import.meta.url), 'utf8');
  const policy = parseManifest(text, { defaultNamespace: 'default' }).document as TrafficPolicy;
  await ports.meshStore.put(
    'policy',
    { name: policy.metadata.name, policy, appliedAt: clock.now().toISOString(), appliedBy: operator.actor, version: 1 },
    null,
  );
  await reapplyService(ports, 'fraud-scanner', operator, { dryRun: false, why: 'policy applied' });
  await ports.metrics.putAlarm(breakerAlarm({ cluster: 'sandbox', namespace: 'default', service: 'fraud-scanner' }, { errorPercent: 20, resetSeconds: 30 }));
});

describe('the errorPercent breaker', () => {
  it('opens on its alarm: a fast 503 first route, reasons in words, audited, and a close scheduled after the window', async () => {
    const outcome = await tripBreaker(ports, controller, ALARM);

    expect(outcome.outcome).toBe('opened');
    expect(await firstRouteAnswer(ports, 'fraud-scanner')).toBe('503 Service Unavailable: circuit open');
    const breaker = await ports.meshStore.get('breaker', 'fraud-scanner');
    expect(breaker?.until).toBe('2026-11-23T12:00:30.000Z');
    expect(breaker?.reasons[0]).toBe(`more than 20 % of fraud-scanner's answers in a minute were 5xx: alarm ${ALARM} entered ALARM`);
    expect(breaker?.reasons[1]).toContain('for 30 s, not retried');
    expect(schedule()).toEqual({
      at: new Date('2026-11-23T12:00:30.000Z'),
      payload: { action: 'close-breaker', service: 'fraud-scanner', until: '2026-11-23T12:00:30.000Z' },
    });
    expect(ports.audit.records.find((r) => r.action === 'mesh.breaker.open')?.reasons).toEqual(breaker?.reasons);
  });

  it('ignores a second alarm event while open, an alarm that is not a breaker’s, and a service without errorPercent', async () => {
    await tripBreaker(ports, controller, ALARM);
    expect((await tripBreaker(ports, controller, ALARM)).outcome).toBe('ignored');
    expect((await tripBreaker(ports, controller, 'hms-sys-AR-1-scale-out')).outcome).toBe('ignored');
    expect((await tripBreaker(ports, controller, breakerAlarmName('return-intake'))).outcome).toBe('ignored');
    expect(await ports.meshStore.get('breaker', 'return-intake')).toBeNull();
    expect(ports.audit.records.filter((r) => r.action === 'mesh.breaker.open')).toHaveLength(1);
  });

  it('stays open until its window ends, then closes and traffic flows again', async () => {
    await tripBreaker(ports, controller, ALARM);
    seconds(29);
    expect((await closeBreaker(ports, controller, 'fraud-scanner')).outcome).toBe('ignored');
    expect(await firstRouteAnswer(ports, 'fraud-scanner')).not.toBeNull();
    seconds(1);
    const closed = await closeBreaker(ports, controller, 'fraud-scanner');
    expect(closed).toMatchObject({
      outcome: 'closed',
      reasons: ["the fraud-scanner breaker's reset window ended at 2026-11-23T12:00:30.000Z: traffic flows again"],
    });
    expect(await firstRouteAnswer(ports, 'fraud-scanner')).toBeNull();
    expect(await ports.meshStore.get('breaker', 'fraud-scanner')).toBeNull();
    // The look comes once the first whole minute after the close (12:01-12:02) has ended.
    expect(schedule()).toEqual({
      at: new Date('2026-11-23T12:02:00.000Z'),
      payload: { action: 'close-breaker', service: 'fraud-scanner', until: '2026-11-23T12:02:00.000Z', closedAt: '2026-11-23T12:00:30.000Z' },
    });
  });

  /** Trips, closes at 12:00:30 and fires the look the close scheduled (12:02), returning its outcome. */
  async function closeThenLook() {
    await tripBreaker(ports, controller, ALARM);
    seconds(30);
    await closeBreaker(ports, controller, 'fraud-scanner');
    const look = schedule();
    clock.current = look!.at;
    const payload = look!.payload as { service: string; closedAt: string };
    return closeBreaker(ports, controller, payload.service, payload.closedAt);
  }

  it('does not reopen on a quiet service whose alarm still rests on the minute that tripped it', async () => {
    metrics().inAlarm = [ALARM];
    // The failing minute before the trip is all the alarm has: nothing after the close.
    percents().push({ periodStart: '2026-11-23T11:59:00.000Z', value: 100 });
    const look = await closeThenLook();
    expect(look.outcome).toBe('ignored');
    expect(look).toMatchObject({ reason: expect.stringContaining('no answers since 2026-11-23T12:01:00.000Z') });
    expect(await firstRouteAnswer(ports, 'fraud-scanner')).toBeNull();
    expect(ports.audit.records.filter((r) => r.action === 'mesh.breaker.open')).toHaveLength(1);
    // It keeps looking while the alarm is in ALARM, and still finds no evidence a minute later.
    expect(schedule()?.at).toEqual(new Date('2026-11-23T12:03:00.000Z'));
    clock.current = schedule()!.at;
    expect((await closeBreaker(ports, controller, 'fraud-scanner', '2026-11-23T12:00:30.000Z')).outcome).toBe('ignored');
    expect(await firstRouteAnswer(ports, 'fraud-scanner')).toBeNull();
  });

  it('does not count the minute the close fell in, which holds answers from before it', async () => {
    metrics().inAlarm = [ALARM];
    percents().push({ periodStart: '2026-11-23T12:00:00.000Z', value: 100 });
    expect((await closeThenLook()).outcome).toBe('ignored');
    expect(await firstRouteAnswer(ports, 'fraud-scanner')).toBeNull();
  });

  it('reopens when a whole minute after the close is over errorPercent, saying so', async () => {
    metrics().inAlarm = [ALARM];
    percents().push({ periodStart: '2026-11-23T12:01:00.000Z', value: 60 });
    const again = await closeThenLook();
    expect(again.outcome).toBe('opened');
    expect(await firstRouteAnswer(ports, 'fraud-scanner')).toBe('503 Service Unavailable: circuit open');
    const breaker = await ports.meshStore.get('breaker', 'fraud-scanner');
    expect(breaker?.reasons[0]).toBe(
      `60 % of fraud-scanner's answers in the minute from 2026-11-23T12:01:00.000Z, after its breaker closed at 2026-11-23T12:00:30.000Z, were 5xx (over errorPercent 20): alarm ${ALARM} is in ALARM`,
    );
  });

  it('stays closed when the minute after the close is under errorPercent, or the alarm is OK', async () => {
    metrics().inAlarm = [ALARM];
    percents().push({ periodStart: '2026-11-23T12:01:00.000Z', value: 20 });
    expect((await closeThenLook()).outcome).toBe('ignored');
    expect(await firstRouteAnswer(ports, 'fraud-scanner')).toBeNull();
    metrics().inAlarm = [];
    percents().push({ periodStart: '2026-11-23T12:02:00.000Z', value: 90 });
    clock.current = new Date('2026-11-23T12:03:00.000Z');
    // Not in ALARM: the alarm's next move to ALARM sends its own event, which trips the breaker.
    expect((await closeBreaker(ports, controller, 'fraud-scanner', '2026-11-23T12:00:30.000Z')).outcome).toBe('ignored');
    expect(await firstRouteAnswer(ports, 'fraud-scanner')).toBeNull();
  });

  it('is closed by the minute tick when its schedule was lost', async () => {
    await tripBreaker(ports, controller, ALARM);
    (ports.meshScheduler as MemoryScheduler).schedules.clear();
    seconds(45);
    const report = await expireDue(ports, controller);
    expect(report.outcomes).toEqual([{ kind: 'breaker', service: 'fraud-scanner', outcome: 'ended' }]);
    expect(await firstRouteAnswer(ports, 'fraud-scanner')).toBeNull();
  });

  it('is shown by mesh status with its end, beside each service’s mTLS mode', async () => {
    await tripBreaker(ports, controller, ALARM);
    const status = await meshStatus(ports);
    expect(status.services.map((s) => [s.name, s.mtls, s.breaker?.until ?? null])).toEqual([
      ['fraud-scanner', 'STRICT', '2026-11-23T12:00:30.000Z'],
      ['return-intake', 'STRICT', null],
    ]);
    expect(status.permissive).toEqual([]);
    expect(status.certificates).toContain('hms-sys issues none');
  });
});

describe('a breaker whose function stops at any point', () => {
  const WRAPPED = ['mesh', 'meshStore', 'meshScheduler', 'audit', 'auditOutbox'] as const;

  it('is finished or left closed by the next tick, and never stays open past its window by more than a tick', async () => {
    const rehearsal = new Crash();
    await tripBreaker(rehearsal.wrapAll(ports, WRAPPED), controller, ALARM);
    const total = rehearsal.calls.length;
    const start = clock.current;
    for (let at = 0; at <= total; at += 1) {
      const breaker = await ports.meshStore.get('breaker', 'fraud-scanner');
      if (breaker) await ports.meshStore.delete('breaker', 'fraud-scanner', breaker.version);
      await reapplyService(ports, 'fraud-scanner', operator, { dryRun: false, why: 'reset between runs' });
      clock.current = start;
      const where = `killed before call ${at} of ${total}`;
      await tripBreaker(new Crash(at).wrapAll(ports, WRAPPED), controller, ALARM).catch(() => undefined);
      await expireDue(ports, controller);
      const open = await ports.meshStore.get('breaker', 'fraud-scanner');
      expect(await firstRouteAnswer(ports, 'fraud-scanner'), where).toBe(open ? '503 Service Unavailable: circuit open' : null);
      if (open) expect(schedule()?.payload, where).toMatchObject({ action: 'close-breaker', until: open.until });
      seconds(30);
      await expireDue(ports, controller);
      expect(await firstRouteAnswer(ports, 'fraud-scanner'), `${where}, a tick after its window`).toBeNull();
      expect(await ports.meshStore.get('breaker', 'fraud-scanner'), where).toBeNull();
    }
  });
});
