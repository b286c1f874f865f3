import { BREAKER_PERIOD_SECONDS, breakerAlarm, breakerAlarmName, breakerServiceOf } from '#domain/mesh/breaker-alarm.ts';
import type { Breaker } from '#domain/mesh/canonical.ts';
import { BREAKER_BODY } from '#domain/mesh/render.ts';
import { breakerAlarmOf } from '#domain/mesh/render-destination.ts';
import type { BreakerAlarmSpec } from '#domain/mesh/rendering.ts';
import type { Caller, MeshOpsPorts } from '#ports/ports.ts';
import { inForce, meshScheduleName, saveTimed } from './mesh-records.ts';
import { reapplyService } from './reapply.ts';

export type BreakerOutcome =
  | { outcome: 'opened'; breaker: Breaker; warnings: string[] }
  | { outcome: 'closed'; service: string; reasons: string[] }
  | { outcome: 'ignored'; service: string | null; reason: string };

/** The errorPercent and reset window in force for the service now: its manifest's and its policies'. */
async function breakerSpecOf(ports: MeshOpsPorts, service: string): Promise<{ cluster: string; namespace: string; spec: BreakerAlarmSpec } | null> {
  const entry = await ports.meshStore.get('service', service);
  if (!entry) return null;
  const policies = (await ports.meshStore.list('policy')).map((p) => p.policy).filter((p) => p.spec.destination === service);
  const spec = breakerAlarmOf(entry.manifest, policies, []);
  return spec ? { cluster: entry.cluster, namespace: entry.namespace, spec } : null;
}

/**
 * The breaker alarm entered ALARM: the service-level breaker opens. Its record first (audited, with
 * the reasons in words), then the objects re-rendered with a first route answering a fast 503, then
 * a one-shot schedule that closes it after the reset window; the mesh tick closes it without the
 * schedule. A second event while it is open changes nothing.
 */
export async function tripBreaker(ports: MeshOpsPorts, caller: Caller, alarmName: string, why?: string): Promise<BreakerOutcome> {
  const service = breakerServiceOf(alarmName);
  if (!service) return { outcome: 'ignored', service: null, reason: `${alarmName} is not a mesh breaker alarm` };
  const found = await breakerSpecOf(ports, service);
  if (!found) return { outcome: 'ignored', service, reason: `${service} is not in the mesh or no longer sets errorPercent` };
  const now = ports.clock.now();
  const existing = await ports.meshStore.get('breaker', service);
  if (existing && inForce(existing, now)) return { outcome: 'ignored', service, reason: `${service}'s breaker is already open until ${existing.until}` };
  const { spec } = found;
  const until = new Date(now.getTime() + spec.resetSeconds * 1000).toISOString();
  const breaker: Breaker = {
    service,
    namespace: found.namespace,
    openedAt: now.toISOString(),
    until,
    alarm: alarmName,
    reasons: [
      why ?? `more than ${spec.errorPercent} % of ${service}'s answers in a minute were 5xx: alarm ${alarmName} entered ALARM`,
      `callers get a fast 503 "${BREAKER_BODY}" from the mesh for ${spec.resetSeconds} s, not retried, so the service can recover`,
      `at ${until} traffic flows again; it opens again only if more than ${spec.errorPercent} % of the answers in a whole minute after that are 5xx, so a service nobody calls stays closed`,
    ],
    version: (existing?.version ?? 0) + 1,
  };
  await saveTimed(ports, caller, 'breaker', breaker, existing?.version ?? null, { action: 'mesh.breaker.open', reasons: breaker.reasons, before: existing });
  const warnings: string[] = [];
  await reapplyService(ports, service, caller, { dryRun: false, why: breaker.reasons.join('; ') }).catch((err: Error) => {
    warnings.push(`the objects could not be applied now (${err.message}); the mesh tick applies the open breaker within a minute`);
  });
  await scheduleClose(ports, breaker).catch((err: Error) => {
    warnings.push(`the close schedule could not be set (${err.message}); the mesh tick closes the breaker at ${until}`);
  });
  return { outcome: 'opened', breaker, warnings };
}

export const scheduleClose = (ports: MeshOpsPorts, breaker: Breaker) =>
  ports.meshScheduler.scheduleAt(meshScheduleName('breaker', breaker.service), new Date(breaker.until), {
    action: 'close-breaker',
    service: breaker.service,
    until: breaker.until,
  });

/** The first whole alarm period that begins at or after `at`: only answers in it and later ones are evidence after `at`. */
export function firstPeriodAfter(at: Date): Date {
  const periodMs = BREAKER_PERIOD_SECONDS * 1000;
  return new Date(Math.ceil(at.getTime() / periodMs) * periodMs);
}

/** A look at the alarm once the next whole period after the close has ended. */
const scheduleLook = (ports: MeshOpsPorts, service: string, closedAt: string, at: Date) =>
  ports.meshScheduler.scheduleAt(meshScheduleName('breaker', service), at, { action: 'close-breaker', service, until: at.toISOString(), closedAt });

/**
 * A close-breaker command or the tick: an open breaker past its window closes (the objects are
 * re-rendered without it first, then the record goes, so a stop between leaves it to the tick).
 * Closing schedules a look once the first whole minute after the close has ended: CloudWatch sends
 * an event only when the alarm's state changes, so an alarm that stays in ALARM because the errors
 * went on would never open the breaker again. With no breaker open, that look is what a command is
 * (recheck): only answers given after the close can reopen it.
 */
export async function closeBreaker(ports: MeshOpsPorts, caller: Caller, service: string, closedAt?: string): Promise<BreakerOutcome> {
  const now = ports.clock.now();
  const breaker = await ports.meshStore.get('breaker', service);
  if (!breaker) return recheck(ports, caller, service, closedAt);
  if (inForce(breaker, now)) {
    await scheduleClose(ports, breaker);
    return { outcome: 'ignored', service, reason: `${service}'s breaker stays open until ${breaker.until}` };
  }
  const why = `the ${service} breaker's reset window ended at ${breaker.until}: traffic flows again`;
  const reasons = [why];
  let current = breaker;
  if (!breaker.closedAt) {
    // Recorded once: a tick finishing a close that stopped half-way finds it marked.
    current = { ...breaker, closedAt: now.toISOString(), version: breaker.version + 1 };
    await saveTimed(ports, caller, 'breaker', current, breaker.version, { action: 'mesh.breaker.close', reasons, before: breaker });
  }
  if (await ports.meshStore.get('service', service)) await reapplyService(ports, service, caller, { dryRun: false, why });
  await ports.meshStore.delete('breaker', service, current.version);
  const closed = current.closedAt ?? now.toISOString();
  const lookAt = new Date(firstPeriodAfter(new Date(closed)).getTime() + BREAKER_PERIOD_SECONDS * 1000);
  // Without the look, an alarm that leaves ALARM and enters it again still opens the breaker by its event.
  await scheduleLook(ports, service, closed, lookAt).catch(() => undefined);
  return { outcome: 'closed', service, reasons };
}

/**
 * The look after a close. While the breaker was open the destination got no traffic, so its alarm
 * may still rest on the minute that tripped it (an alarm evaluates a range of several periods and,
 * without new data, keeps what it found:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-evaluating-missing-data).
 * Its state alone is no evidence, so the breaker reopens only when the alarm is in ALARM and a whole
 * minute that began after the close had more than errorPercent % of its answers 5xx (the alarm's own
 * metric math, at least BREAKER_MIN_REQUESTS answers). While the alarm stays in ALARM without such a
 * minute, it looks again a minute later; once the alarm leaves ALARM, its next entry sends an event.
 */
async function recheck(ports: MeshOpsPorts, caller: Caller, service: string, closedAt: string | undefined): Promise<BreakerOutcome> {
  const name = breakerAlarmName(service);
  if (!closedAt) return { outcome: 'ignored', service, reason: `no breaker is open and no close time was given: only answers after a close can reopen it` };
  const state = (await ports.metrics.alarmStates([name])).get(name);
  if (state !== 'ALARM') return { outcome: 'ignored', service, reason: `no breaker is open and ${name} is ${state ?? 'absent'}` };
  const found = await breakerSpecOf(ports, service);
  if (!found) return { outcome: 'ignored', service, reason: `${service} is not in the mesh or no longer sets errorPercent` };
  const { percentOf } = breakerAlarm({ cluster: found.cluster, namespace: found.namespace, service }, found.spec);
  const from = firstPeriodAfter(new Date(closedAt));
  const minutes = percentOf ? await ports.metrics.percentByPeriod(percentOf, from) : [];
  const over = minutes.find((minute) => minute.value > found.spec.errorPercent);
  if (over) {
    return tripBreaker(
      ports,
      caller,
      name,
      `${Math.round(over.value)} % of ${service}'s answers in the minute from ${over.periodStart}, after its breaker closed at ${closedAt}, were 5xx (over errorPercent ${found.spec.errorPercent}): alarm ${name} is in ALARM`,
    );
  }
  const next = new Date(Math.max(ports.clock.now().getTime(), from.getTime()) + BREAKER_PERIOD_SECONDS * 1000);
  await scheduleLook(ports, service, closedAt, next);
  const seen =
    minutes.length === 0
      ? `no answers since ${from.toISOString()}`
      : `${minutes.length} minute(s) of answers since ${from.toISOString()}, none over ${found.spec.errorPercent} %`;
  return {
    outcome: 'ignored',
    service,
    reason: `${name} is in ALARM but on answers from before the close at ${closedAt} (${seen}); the breaker stays closed, looking again at ${next.toISOString()}`,
  };
}
