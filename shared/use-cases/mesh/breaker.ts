import { BREAKER_PERIOD_SECONDS, breakerAlarmName, breakerServiceOf } from '#domain/mesh/breaker-alarm.ts';
import type { Breaker } from '#domain/mesh/canonical.ts';
import { BREAKER_BODY } from '#domain/mesh/render.ts';
import { breakerAlarmOf } from '#domain/mesh/render-destination.ts';
import type { BreakerAlarmSpec } from '#domain/mesh/rendering.ts';
import type { Caller, MeshPorts } from '#ports/ports.ts';
import { inForce, meshScheduleName, saveTimed } from './mesh-records.ts';
import { reapplyService } from './reapply.ts';

export type BreakerOutcome =
  | { outcome: 'opened'; breaker: Breaker; warnings: string[] }
  | { outcome: 'closed'; service: string; reasons: string[] }
  | { outcome: 'ignored'; service: string | null; reason: string };

/** The errorPercent and reset window in force for the service now: its manifest's and its policies'. */
async function breakerSpecOf(ports: MeshPorts, service: string): Promise<{ namespace: string; spec: BreakerAlarmSpec } | null> {
  const entry = await ports.meshStore.get('service', service);
  if (!entry) return null;
  const policies = (await ports.meshStore.list('policy')).map((p) => p.policy).filter((p) => p.spec.destination === service);
  const spec = breakerAlarmOf(entry.manifest, policies, []);
  return spec ? { namespace: entry.namespace, spec } : null;
}

/**
 * The breaker alarm entered ALARM: the service-level breaker opens. Its record first (audited, with
 * the reasons in words), then the objects re-rendered with a first route answering a fast 503, then
 * a one-shot schedule that closes it after the reset window; the mesh tick closes it without the
 * schedule. A second event while it is open changes nothing.
 */
export async function tripBreaker(ports: MeshPorts, caller: Caller, alarmName: string, why?: string): Promise<BreakerOutcome> {
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
      `at ${until} traffic flows again; if the errors go on, the alarm opens the breaker again`,
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

export const scheduleClose = (ports: MeshPorts, breaker: Breaker) =>
  ports.meshScheduler.scheduleAt(meshScheduleName('breaker', breaker.service), new Date(breaker.until), {
    action: 'close-breaker',
    service: breaker.service,
    until: breaker.until,
  });

/**
 * A close-breaker command or the tick: an open breaker past its window closes (the objects are
 * re-rendered without it first, then the record goes, so a stop between leaves it to the tick).
 * Closing schedules one more look a period later: CloudWatch sends an event only when the alarm's
 * state changes, so an alarm still in ALARM on the minute after the close (the errors went on) opens
 * the breaker again from here. With no breaker open, that later look is what a command is.
 */
export async function closeBreaker(ports: MeshPorts, caller: Caller, service: string): Promise<BreakerOutcome> {
  const now = ports.clock.now();
  const breaker = await ports.meshStore.get('breaker', service);
  if (!breaker) return recheck(ports, caller, service);
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
  const lookAt = new Date(now.getTime() + BREAKER_PERIOD_SECONDS * 1000);
  await ports.meshScheduler
    .scheduleAt(meshScheduleName('breaker', service), lookAt, { action: 'close-breaker', service, until: lookAt.toISOString() })
    .catch(() => undefined); // without it, the alarm's next move to ALARM opens the breaker
  return { outcome: 'closed', service, reasons };
}

async function recheck(ports: MeshPorts, caller: Caller, service: string): Promise<BreakerOutcome> {
  const name = breakerAlarmName(service);
  const state = (await ports.metrics.alarmStates([name])).get(name);
  if (state !== 'ALARM') return { outcome: 'ignored', service, reason: `no breaker is open and ${name} is ${state ?? 'absent'}` };
  return tripBreaker(ports, caller, name, `${service}'s answers were still over errorPercent a minute after its breaker closed: alarm ${name} is in ALARM`);
}
