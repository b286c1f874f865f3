import { NotFoundError, UnprocessableError, ValidationError } from '#domain/errors.ts';
import type { MeshMode, Pause, RegistryEntry } from '#domain/mesh/canonical.ts';
import { pauseReach } from '#domain/mesh/pause-reach.ts';
import type { Caller, MeshOpsPorts } from '#ports/ports.ts';
import type { ObjectChange } from './apply-result.ts';
import { previewChange, withReadableRoutes } from './mesh-preview.ts';
import { inForce, meshScheduleName, saveTimed } from './mesh-records.ts';
import { reapplyService } from './reapply.ts';

/** Chapter 7's pause: 1 minute to 7 days. */
export const MIN_PAUSE_MINUTES = 1;
export const MAX_PAUSE_MINUTES = 10_080;

export interface PauseRequest {
  service: string;
  durationMin: number;
  reason?: string | undefined;
}

/** A registered service, or a 422 naming `service`: only a service in the mesh has objects to pause. */
export async function meshEntry(ports: MeshOpsPorts, service: string): Promise<RegistryEntry> {
  const entry = await ports.meshStore.get('service', service);
  if (!entry) {
    throw new UnprocessableError('not_in_mesh', `${service} is not in the service mesh: deploy or apply its manifest first (hms-sys deploy FILE)`, 'service');
  }
  return entry;
}

const reasonsOf = (pause: Pause, caller: Caller, mode: MeshMode): string[] => [
  `paused by ${caller.actor} until ${pause.until}${pause.reason ? `: ${pause.reason}` : ' (no reason given)'}`,
  ...pauseReach(mode).map((words) => `${pause.service}: ${words}`),
];

/**
 * Pauses a service (chapter 7's POST /policies/pause): its record first (audited, with who and
 * why), then its objects re-rendered with a first route answering 503, then a one-shot schedule
 * for its end. The record is what counts: should the apply or the schedule fail or the function
 * stop between them, the mesh tick applies the pause and sets the schedule within a minute, and
 * ends the pause at its time whatever happened to the schedule. Pausing a paused service moves its end.
 */
export async function pauseService(ports: MeshOpsPorts, caller: Caller, body: PauseRequest, options: { dryRun: boolean }) {
  if (!Number.isInteger(body.durationMin) || body.durationMin < MIN_PAUSE_MINUTES || body.durationMin > MAX_PAUSE_MINUTES) {
    throw new ValidationError(`must be a whole number of minutes from ${MIN_PAUSE_MINUTES} to ${MAX_PAUSE_MINUTES} (7 days)`, 'durationMin');
  }
  const entry = await meshEntry(ports, body.service);
  const now = ports.clock.now();
  const existing = await ports.meshStore.get('pause', entry.name);
  const pause: Pause = {
    service: entry.name,
    namespace: entry.namespace,
    until: new Date(now.getTime() + body.durationMin * 60_000).toISOString(),
    by: caller.actor,
    ...(body.reason ? { reason: body.reason } : {}),
    createdAt: existing && inForce(existing, now) ? existing.createdAt : now.toISOString(),
    version: (existing?.version ?? 0) + 1,
  };
  if (options.dryRun) {
    const breaker = await ports.meshStore.get('breaker', entry.name);
    const open = breaker && inForce(breaker, now) ? breaker : undefined;
    return { dryRun: true, wouldPause: pause, objects: await previewChange(ports, entry, { pause, breaker: open }) };
  }

  await saveTimed(ports, caller, 'pause', pause, existing?.version ?? null, {
    action: existing && inForce(existing, now) ? 'mesh.pause.extend' : 'mesh.pause',
    reasons: reasonsOf(pause, caller, ports.meshConfig.mode),
    before: existing,
  });
  const warnings: string[] = [];
  let objects: ObjectChange[] = [];
  try {
    const why = reasonsOf(pause, caller, ports.meshConfig.mode).join('; ');
    objects = await withReadableRoutes(ports, entry, () => reapplyService(ports, entry.name, caller, { dryRun: false, why }));
  } catch (err) {
    warnings.push(`the objects could not be applied now (${(err as Error).message}); the mesh tick applies the pause within a minute`);
  }
  await scheduleResume(ports, pause).catch((err: Error) => {
    warnings.push(`the resume schedule could not be set (${err.message}); the mesh tick ends the pause at ${pause.until}`);
  });
  return { pause, objects, reasons: reasonsOf(pause, caller, ports.meshConfig.mode), ...(warnings.length > 0 ? { warnings } : {}) };
}

export const scheduleResume = (ports: MeshOpsPorts, pause: Pause) =>
  ports.meshScheduler.scheduleAt(meshScheduleName('resume', pause.service), new Date(pause.until), {
    action: 'resume',
    service: pause.service,
    until: pause.until,
  });

/** The pauses, soonest end first; one past its end (the tick ends it within a minute) says so. */
export async function listPauses(ports: MeshOpsPorts): Promise<(Pause & { expired?: true })[]> {
  const now = ports.clock.now();
  const pauses = await ports.meshStore.list('pause');
  return pauses.sort((a, b) => Date.parse(a.until) - Date.parse(b.until)).map((p) => (inForce(p, now) && !p.endedAt ? p : { ...p, expired: true as const }));
}

/**
 * Resumes a paused service now (DELETE /policies/pause/{service}?reason=...), audited with who and
 * why (the reason given, or "no reason given"); a dry run shows what would change.
 */
export async function resumeService(
  ports: MeshOpsPorts,
  caller: Caller,
  service: string,
  options: { dryRun: boolean; reason?: string | undefined } = { dryRun: false },
) {
  const pause = await ports.meshStore.get('pause', service);
  if (!pause) throw new NotFoundError(`a pause of ${service}`, 'service');
  if (options.dryRun) {
    const entry = await meshEntry(ports, service);
    const now = ports.clock.now();
    const breaker = await ports.meshStore.get('breaker', service);
    const open = breaker && inForce(breaker, now) ? breaker : undefined;
    return { dryRun: true, wouldResume: pause, objects: await previewChange(ports, entry, { breaker: open }) };
  }
  const why = `resumed by ${caller.actor} before its end at ${pause.until}${options.reason ? `: ${options.reason}` : ' (no reason given)'}`;
  const objects = await endPause(ports, caller, pause, why);
  return { resumed: service, objects };
}

/**
 * Ends a pause so that no crash leaves it in force, and records its end once: (1) the record is
 * marked ended (`endedAt`; a pause still in force also gets until = now, so nothing renders it any
 * more), audited as mesh.resume or mesh.pause.expire with who and why; (2) the objects are
 * re-rendered without it; (3) the record is deleted, which only clears the store (the audit already
 * says it ended). A stop after (1) or (2) leaves a marked record, which the next tick finishes
 * without recording the end again.
 */
export async function endPause(ports: MeshOpsPorts, caller: Caller, pause: Pause, why: string): Promise<ObjectChange[]> {
  const now = ports.clock.now();
  let current = pause;
  if (!pause.endedAt) {
    const expired = !inForce(pause, now);
    current = { ...pause, ...(expired ? {} : { until: now.toISOString() }), endedAt: now.toISOString(), version: pause.version + 1 };
    await saveTimed(ports, caller, 'pause', current, pause.version, {
      action: expired ? 'mesh.pause.expire' : 'mesh.resume',
      reasons: expired ? [`the pause ended at ${pause.until} (set by ${pause.by}${pause.reason ? `: ${pause.reason}` : ''})`] : [why],
      before: pause,
    });
  }
  const entry = await ports.meshStore.get('service', pause.service);
  // A service removed from the registry has no objects left to resume.
  const objects = entry ? await withReadableRoutes(ports, entry, () => reapplyService(ports, pause.service, caller, { dryRun: false, why })) : [];
  await ports.meshStore.delete('pause', current.service, current.version);
  await ports.meshScheduler.cancel(meshScheduleName('resume', pause.service)).catch(() => undefined);
  return objects;
}
