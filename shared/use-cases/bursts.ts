import { monthOf } from '#domain/budget.ts';
import { planBurst } from '#domain/burst-plan.ts';
import { ConflictError, NotFoundError, ValidationError } from '#domain/errors.ts';
import type { Burst } from '#domain/model.ts';
import type { CreateBurstInput } from '#domain/schemas.ts';
import type { NodeCapacity } from '#ports/cluster.ts';
import type { Caller, CorePorts, SchedulingPorts } from '#ports/ports.ts';
import { advanceBurst, burstScheduleName, isTerminal, saveBurst } from './burst-runner.ts';
import { getLiveService } from './live-service.ts';
import { servicePrice } from './pricing.ts';
import { recordedChange } from './recorded-change.ts';
import type { Mutation } from './services.ts';
import { readLevel } from './workload-level.ts';

/** How far ahead a burst may be planned. */
const MAX_LEAD_DAYS = 90;
/** A startAt this far in the past is a mistake, not "now". */
const PAST_TOLERANCE_MS = 60_000;

export interface BurstOptions extends Mutation {
  origin?: Burst['origin'];
}

/**
 * Plans a burst and, unless it is a dry run, records it as its service's one active burst:
 * a burst that starts now ramps at once; a later one gets one-shot schedules for its
 * warm-up and start (the runner's minute tick finds them too, should a schedule be lost).
 */
export async function createBurst(ports: SchedulingPorts, caller: Caller, input: CreateBurstInput, options: BurstOptions) {
  const service = await getLiveService(ports, input.service, 'service');
  const now = ports.clock.now();
  const startAt = input.startAt ? new Date(input.startAt) : now;
  if (startAt.getTime() < now.getTime() - PAST_TOLERANCE_MS) throw new ValidationError('must not be in the past', 'startAt');
  if (startAt.getTime() > now.getTime() + MAX_LEAD_DAYS * 86_400_000) throw new ValidationError(`must be within ${MAX_LEAD_DAYS} days`, 'startAt');
  const active = await ports.ledger.activeBurstOf(service.name);
  if (active) throw new ConflictError(`service ${service.name} already has burst ${active} under way: cancel it first`, 'service');

  const [price, level, budget, usage, capacity] = await Promise.all([
    servicePrice(ports, service),
    readLevel(ports, service),
    ports.ledger.getBudget(service.name),
    ports.ledger.getUsage(service.name, monthOf(now)),
    readCapacity(ports, service.cluster),
  ]);
  const plan = planBurst({
    fromPods: input.fromPods,
    maxCostPerHourUSD: input.maxCostPerHourUSD,
    holdMinutes: input.holdMinutes,
    // An HPA's maxReplicas bounds the floor a burst can set: plan no more than it allows.
    toPods: level.ceiling === null ? input.toPods : Math.max(input.fromPods + 1, Math.min(input.toPods, level.ceiling)),
    startAt: startAt < now ? now : startAt,
    now,
    podHourUSD: price.usd,
    previousReplicas: level.level,
    budget: budget ? { monthlyUSD: budget.monthlyUSD, spentUSD: usage?.spentUSD ?? 0 } : null,
    capacity: capacity ? { ...capacity, ...ports.capacityTimings } : null,
  });
  const warnings = [...plan.capacityWarnings, ...levelWarnings(input.fromPods, level, plan.requestedPods)];
  const summary = {
    requestedPods: plan.requestedPods,
    bindingLimit: plan.bindingLimit,
    limits: plan.limits,
    schedule: plan.schedule,
    estimatedCostUSD: plan.estimatedCostUSD,
    estimatedReadySeconds: plan.estimatedReadySeconds,
    capacityWarnings: warnings,
    podHourUSD: price.usd,
    priceBasis: price.detail,
  };
  if (options.dryRun) return { dryRun: true, burstId: null, ...summary };

  const burstId = `BU-${await ports.ledger.nextBurstNumber()}`;
  if (!(await ports.ledger.claimActiveBurst(service.name, burstId))) {
    throw new ConflictError(`service ${service.name} already has a burst under way: cancel it first`, 'service');
  }
  const stamp = now.toISOString();
  const burst: Burst = {
    burstId,
    service: service.name,
    target: { cluster: service.cluster, namespace: service.namespace, deployment: service.deployment, tags: service.tags },
    fromPods: input.fromPods,
    toPods: input.toPods,
    requestedPods: plan.requestedPods,
    maxCostPerHourUSD: input.maxCostPerHourUSD,
    holdMinutes: input.holdMinutes,
    podHourUSD: price.usd,
    bindingLimit: plan.bindingLimit,
    limits: plan.limits,
    schedule: plan.schedule,
    estimatedCostUSD: plan.estimatedCostUSD,
    capacityWarnings: warnings,
    startAt: (startAt < now ? now : startAt).toISOString(),
    warmUpAt: plan.warmUpAt,
    state: 'scheduled',
    previousLevel: null,
    warmedAt: null,
    startedAt: null,
    readyAt: null,
    holdUntil: null,
    endedAt: null,
    failure: null,
    origin: options.origin ?? { kind: 'api', actor: caller.actor },
    createdAt: stamp,
    updatedAt: stamp,
    version: 1,
  };
  const record = {
    action: 'burst.create',
    target: `burst/${burstId}`,
    before: null,
    after: burst,
    outcome: 'success' as const,
    reasons: [`${plan.requestedPods} pods requested (${plan.bindingLimit} binds) for ${input.holdMinutes} min, about ${plan.estimatedCostUSD.toFixed(2)} USD`],
    service: { name: service.name, tags: service.tags },
    probe: { kind: 'state-version' as const, entity: 'burst' as const, key: burstId, version: burst.version },
  };
  await recordedChange(ports, caller, record, () => ports.ledger.putBurst(burst, null));
  const started = burst.startAt <= stamp ? await startNow(ports, caller, burst) : await scheduleStart(ports, burst);
  return { ...summary, ...started, burstId };
}

/** Ramps at once; if the cluster fails now, the burst is recorded and the runner's tick ramps it. */
async function startNow(ports: SchedulingPorts, caller: Caller, burst: Burst): Promise<Burst> {
  try {
    return await advanceBurst(ports, caller, burst.burstId);
  } catch (err) {
    const current = (await ports.ledger.getBurst(burst.burstId)) ?? burst;
    return {
      ...current,
      capacityWarnings: [...current.capacityWarnings, `the ramp did not finish (${(err as Error).message}); the burst runner retries it within a minute`],
    };
  }
}

async function scheduleStart(ports: SchedulingPorts, burst: Burst): Promise<Burst> {
  try {
    if (burst.warmUpAt) await ports.scheduler.scheduleAt(burstScheduleName(burst.burstId, 'warm-up'), new Date(burst.warmUpAt), { burstId: burst.burstId });
    await ports.scheduler.scheduleAt(burstScheduleName(burst.burstId, 'start'), new Date(burst.startAt), { burstId: burst.burstId });
    return burst;
  } catch (err) {
    // The burst is recorded; the runner's minute tick starts it even without its schedule.
    const warned = {
      ...burst,
      capacityWarnings: [...burst.capacityWarnings, `the start schedule could not be set (${(err as Error).message}); the runner's minute tick will start it`],
    };
    await saveBurst(ports, warned, burst.version);
    return warned;
  }
}

function levelWarnings(fromPods: number, level: { level: number; owner: string; ceiling: number | null }, requested: number): string[] {
  const warnings: string[] = [];
  if (fromPods !== level.level) warnings.push(`fromPods ${fromPods} differs from the ${level.level} in force now; the scale-back returns to ${level.level}`);
  if (level.ceiling !== null && requested > level.ceiling) warnings.push(`the HPA's maxReplicas ${level.ceiling} caps the burst below ${requested}`);
  return warnings;
}

async function readCapacity(ports: SchedulingPorts, cluster: string): Promise<(NodeCapacity & { maxNodes: number | null }) | null> {
  try {
    const [nodes, maxNodes] = await Promise.all([ports.cluster.nodeCapacity(cluster), ports.nodeGroups.maxNodes(cluster)]);
    return { ...nodes, maxNodes };
  } catch {
    return null;
  }
}

export async function getBurst(ports: CorePorts, burstId: string): Promise<Burst> {
  const burst = await ports.ledger.getBurst(burstId);
  if (!burst) throw new NotFoundError(`burst ${burstId}`, 'id');
  return burst;
}

/** The burst with readiness read from the cluster now. */
export async function burstStatus(ports: CorePorts, burstId: string) {
  const burst = await getBurst(ports, burstId);
  const counts = await ports.cluster.podCounts(burst.target).catch(() => null);
  const warnings = [...burst.capacityWarnings];
  if (counts && counts.pending > 0 && !isTerminal(burst.state)) warnings.push(`${counts.pending} pods are Pending: the cluster has no room for them yet`);
  return {
    ...burst,
    requestedPods: burst.requestedPods,
    readyPods: counts?.ready ?? null,
    pendingPods: counts?.pending ?? null,
    desiredPods: counts?.desired ?? null,
    capacityWarnings: warnings,
  };
}

/** Cancels a burst: it scales back to the level in force before, then ends as cancelled. */
export async function cancelBurst(ports: SchedulingPorts, caller: Caller, burstId: string, options: Mutation) {
  const burst = await getBurst(ports, burstId);
  if (burst.state === 'cancelled') return burst;
  if (isTerminal(burst.state)) throw new ConflictError(`burst ${burstId} already ended as ${burst.state}`, 'id');
  if (options.dryRun) return { dryRun: true, wouldCancel: burst };
  return advanceBurst(ports, caller, burstId, { cancel: true });
}
