import { NotFoundError } from '#domain/errors.ts';
import type { Burst, BurstState } from '#domain/model.ts';
import { ClusterConflictError, ClusterNotFoundError, StaleVersionError } from '#ports/errors.ts';
import type { Caller, CorePorts, SchedulingPorts } from '#ports/ports.ts';
import { recordedChange } from './recorded-change.ts';
import { readLevel, writeLevel } from './workload-level.ts';

/** A ramp that has not reached its pods by then starts its hold anyway, with a warning. */
export const RAMP_TIMEOUT_MS = 30 * 60_000;
const MAX_ROUNDS = 5;

const TERMINAL: ReadonlySet<BurstState> = new Set(['done', 'cancelled', 'failed']);
export const isTerminal = (state: BurstState) => TERMINAL.has(state);

export const burstScheduleName = (burstId: string, step: 'warm-up' | 'start' | 'scale-back') => `hms-sys-${burstId}-${step}`;

type RunnerPorts = SchedulingPorts;

export async function saveBurst(ports: CorePorts, burst: Burst, expectedVersion: number): Promise<Burst> {
  const next = { ...burst, updatedAt: ports.clock.now().toISOString(), version: expectedVersion + 1 };
  await ports.ledger.putBurst(next, expectedVersion);
  return next;
}

/**
 * Moves a burst as far as the clock and the cluster allow: warm-up, ramp, hold, scale back,
 * done. Every step writes the burst first (with its audit intent before it and its record after,
 * recorded-change.ts) and the cluster after, and every step re-applies its own level, so a crash
 * at any point is mended by the next call: a fired schedule, the minute tick or a cancel. Safe
 * to call any number of times.
 */
export async function advanceBurst(ports: RunnerPorts, caller: Caller, burstId: string, options: { cancel?: boolean } = {}): Promise<Burst> {
  for (let round = 1; ; round += 1) {
    const burst = await ports.ledger.getBurst(burstId);
    if (!burst) throw new NotFoundError(`burst ${burstId}`, 'id');
    try {
      return await step(ports, caller, burst, options);
    } catch (err) {
      // Another runner (a tick, a fired schedule, a cancel) moved the burst or the Deployment first: read again.
      if ((err instanceof StaleVersionError || err instanceof ClusterConflictError) && round < MAX_ROUNDS) continue;
      if (err instanceof ClusterNotFoundError) return fail(ports, caller, burst, err.message);
      throw err;
    }
  }
}

async function step(ports: RunnerPorts, caller: Caller, burst: Burst, options: { cancel?: boolean }): Promise<Burst> {
  if (isTerminal(burst.state)) {
    // A crash after the final save may have left the service marked: the marker goes with any later call.
    await ports.ledger.releaseActiveBurst(burst.service, burst.burstId);
    return burst;
  }
  const now = ports.clock.now();
  if (options.cancel && burst.state !== 'scaling-back') return beginScaleBack(ports, caller, burst, 'cancelled at request', true);
  switch (burst.state) {
    case 'scheduled':
      if (now.getTime() >= Date.parse(burst.startAt)) return startRamp(ports, caller, burst);
      if (burst.warmUpAt && now.getTime() >= Date.parse(burst.warmUpAt)) {
        if (!burst.warmedAt) return warmUp(ports, caller, burst);
        await placePlaceholders(ports, burst); // idempotent: mends a crash between the save and the placement
      }
      return burst;
    case 'ramping':
      return checkRamp(ports, caller, burst, now);
    case 'holding':
      if (now.getTime() >= Date.parse(burst.holdUntil!)) return beginScaleBack(ports, caller, burst, `the ${burst.holdMinutes} min hold is over`);
      return burst;
    case 'scaling-back':
      return finishScaleBack(ports, caller, burst);
  }
  return burst;
}

/** Places placeholder pods sized like the service's, so nodes are up before the burst starts. */
async function warmUp(ports: RunnerPorts, caller: Caller, burst: Burst): Promise<Burst> {
  const spec = await placeholderSpec(ports, burst);
  const saved = await saveStep(ports, caller, burst, { warmedAt: ports.clock.now().toISOString() }, 'burst.warm-up', [
    `${spec.replicas} placeholder pods hold node capacity until ${burst.startAt}`,
  ]);
  if (spec.replicas > 0) await ports.cluster.ensurePlaceholders(burst.target, spec);
  return saved;
}

/** Placeholders for the pods the burst will add, sized like the service's own. */
async function placePlaceholders(ports: RunnerPorts, burst: Burst): Promise<void> {
  const spec = await placeholderSpec(ports, burst);
  if (spec.replicas > 0) await ports.cluster.ensurePlaceholders(burst.target, spec);
}

async function placeholderSpec(ports: RunnerPorts, burst: Burst) {
  const [level, workload] = await Promise.all([readLevel(ports, burst.target), ports.cluster.getWorkload(burst.target)]);
  return { replicas: Math.max(0, burst.requestedPods - level.level), podRequests: workload.podRequests };
}

async function startRamp(ports: RunnerPorts, caller: Caller, burst: Burst): Promise<Burst> {
  const level = await readLevel(ports, burst.target);
  const now = ports.clock.now().toISOString();
  const previousLevel = burst.previousLevel ?? level.level;
  const target = Math.max(burst.requestedPods, previousLevel);
  const saved = await saveStep(ports, caller, burst, { state: 'ramping', previousLevel, startedAt: now }, 'burst.ramp', [
    `scaling from ${previousLevel} to ${level.ceiling === null ? target : Math.max(1, Math.min(target, level.ceiling))}`,
  ]);
  // The placeholders go first, so the burst's pods take their slots on the warm nodes rather
  // than preempting them into Pending pods that would ask for nodes of their own. checkRamp
  // writes the level again on every call, which mends a crash between the save and this write.
  if (burst.warmedAt) await ports.cluster.removePlaceholders(burst.target);
  await writeLevel(ports, burst.target, target);
  return saved;
}

async function checkRamp(ports: RunnerPorts, caller: Caller, burst: Burst, now: Date): Promise<Burst> {
  await writeLevel(ports, burst.target, Math.max(burst.requestedPods, burst.previousLevel ?? 0));
  const counts = await ports.cluster.podCounts(burst.target);
  const ready = counts.ready >= burst.requestedPods;
  const timedOut = now.getTime() - Date.parse(burst.startedAt!) >= RAMP_TIMEOUT_MS;
  if (!ready && !timedOut) return burst;
  const holdUntil = new Date(now.getTime() + burst.holdMinutes * 60_000).toISOString();
  const warnings =
    timedOut && !ready
      ? [...burst.capacityWarnings, `only ${counts.ready} of ${burst.requestedPods} pods were Ready after ${RAMP_TIMEOUT_MS / 60_000} min; holding anyway`]
      : burst.capacityWarnings;
  const saved = await saveStep(ports, caller, burst, { state: 'holding', readyAt: now.toISOString(), holdUntil, capacityWarnings: warnings }, 'burst.hold', [
    `${counts.ready} of ${burst.requestedPods} pods Ready; holding until ${holdUntil}`,
  ]);
  await ports.scheduler.scheduleAt(burstScheduleName(burst.burstId, 'scale-back'), new Date(holdUntil), { burstId: burst.burstId }).catch(() => undefined); // the minute tick scales back without it
  return saved;
}

async function beginScaleBack(ports: RunnerPorts, caller: Caller, burst: Burst, why: string, cancel = false): Promise<Burst> {
  const cancelled = cancel ? { cancelledAt: ports.clock.now().toISOString() } : {};
  const saved = await saveStep(ports, caller, burst, { state: 'scaling-back', ...cancelled }, 'burst.scale-back', [why]);
  return finishScaleBack(ports, caller, saved);
}

async function finishScaleBack(ports: RunnerPorts, caller: Caller, burst: Burst): Promise<Burst> {
  if (burst.previousLevel !== null) await writeLevel(ports, burst.target, burst.previousLevel);
  if (burst.warmedAt) await ports.cluster.removePlaceholders(burst.target);
  await Promise.all(
    (['warm-up', 'start', 'scale-back'] as const).map((name) => ports.scheduler.cancel(burstScheduleName(burst.burstId, name)).catch(() => undefined)),
  );
  const endAs: BurstState = burst.cancelledAt ? 'cancelled' : 'done';
  const level = burst.previousLevel === null ? 'no change was made' : `back to ${burst.previousLevel}`;
  const saved = await saveStep(
    ports,
    caller,
    burst,
    { state: endAs, endedAt: ports.clock.now().toISOString() },
    `burst.${endAs === 'done' ? 'done' : 'cancel'}`,
    [level],
  );
  await ports.ledger.releaseActiveBurst(burst.service, burst.burstId); // step() releases again after a crash here
  return saved;
}

async function fail(ports: RunnerPorts, caller: Caller, burst: Burst, why: string): Promise<Burst> {
  const saved = await saveStep(
    ports,
    caller,
    burst,
    { state: 'failed', failure: why, endedAt: ports.clock.now().toISOString() },
    'burst.fail',
    [why],
    'failure',
  );
  // Leave nothing running or scheduled behind a failed burst: placeholders would cost money unmetered.
  if (burst.warmedAt) await ports.cluster.removePlaceholders(burst.target).catch(() => undefined);
  await Promise.all(
    (['warm-up', 'start', 'scale-back'] as const).map((name) => ports.scheduler.cancel(burstScheduleName(burst.burstId, name)).catch(() => undefined)),
  );
  await ports.ledger.releaseActiveBurst(burst.service, burst.burstId);
  return saved;
}

/**
 * Saves one step of the burst under its audit intent: the drainer's probe is the burst's version
 * (state-probes.ts), so a step whose save stood is recorded even if the runner stops right after.
 */
function saveStep(
  ports: CorePorts,
  caller: Caller,
  burst: Burst,
  changes: Partial<Burst>,
  action: string,
  reasons: string[],
  outcome: 'success' | 'failure' = 'success',
): Promise<Burst> {
  const next = { ...burst, ...changes };
  const plan = {
    action,
    target: `burst/${burst.burstId}`,
    before: null,
    after: { state: next.state, requestedPods: next.requestedPods, previousLevel: next.previousLevel },
    outcome,
    reasons,
    service: { name: burst.service, tags: burst.target.tags },
    probe: { kind: 'state-version' as const, entity: 'burst' as const, key: burst.burstId, version: burst.version + 1 },
  };
  return recordedChange(ports, caller, plan, () => saveBurst(ports, next, burst.version));
}

export interface TickReport {
  active: number;
  outcomes: Array<{ burstId: string; state: BurstState | 'error'; detail?: string }>;
}

/** Advances every active burst: how overdue starts and scale-backs happen if a schedule was lost. */
export async function tickBursts(ports: RunnerPorts, caller: Caller): Promise<TickReport> {
  const active = await ports.ledger.listActiveBursts();
  const report: TickReport = { active: active.length, outcomes: [] };
  const failures: Error[] = [];
  for (const { burstId, service } of active) {
    try {
      if (!(await ports.ledger.getBurst(burstId))) {
        // A create that crashed between marking the service and recording the burst.
        await ports.ledger.releaseActiveBurst(service, burstId);
        continue;
      }
      report.outcomes.push({ burstId, state: (await advanceBurst(ports, caller, burstId)).state });
    } catch (err) {
      failures.push(err as Error);
      report.outcomes.push({ burstId, state: 'error', detail: (err as Error).message });
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, `burst tick: ${failures.length} of ${active.length} bursts failed`);
  return report;
}
