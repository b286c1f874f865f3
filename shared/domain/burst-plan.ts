import { hoursLeftInMonth, monthOf, nextMonthStart } from './budget.ts';
import { formatRateUSD, formatUSD } from './cost.ts';
import { ValidationError } from './errors.ts';
import type { BurstLimit, BurstStep } from './model.ts';

/** The longest hold a burst may ask for: 7 days. */
export const BURST_MAX_HOLD_MINUTES = 7 * 24 * 60;
/** Placeholders go in this long before the nodes are due, on top of the node-provisioning time. */
export const WARM_UP_MARGIN_SECONDS = 60;

const HOUR_MS = 3_600_000;
const EPSILON = 1e-9;

/** What the cluster can hold now and how fast it grows. */
export interface BurstCapacity {
  nodes: number;
  podsPerNode: number;
  podsScheduled: number;
  /** The most nodes the node groups allow; null when unbounded or unknown. */
  maxNodes: number | null;
  nodeProvisioningSeconds: number;
  podReadySeconds: number;
}

export interface BurstPlanInput {
  fromPods: number;
  toPods: number;
  maxCostPerHourUSD: number;
  holdMinutes: number;
  /** When the ramp should begin; a moment already past means now. */
  startAt: Date;
  now: Date;
  podHourUSD: number;
  budget: { monthlyUSD: number; spentUSD: number } | null;
  /** The replicas in force now: the level the burst returns to, and never goes below. */
  previousReplicas: number;
  capacity: BurstCapacity | null;
}

export interface BurstLimitEntry {
  limit: BurstLimit;
  replicas: number;
  detail: string;
}

export interface BurstPlan {
  requestedPods: number;
  bindingLimit: BurstLimit;
  limits: BurstLimitEntry[];
  schedule: BurstStep[];
  /** Requested pods through ramp and hold, plus placeholder pods from warm-up to start. */
  estimatedCostUSD: number;
  estimatedReadySeconds: number;
  capacityWarnings: string[];
  warmUpAt: string | null;
}

/** How long before startAt placeholders must go in for new nodes to be ready in time. */
export function warmUpLeadSeconds(capacity: Pick<BurstCapacity, 'nodeProvisioningSeconds'>): number {
  return capacity.nodeProvisioningSeconds + WARM_UP_MARGIN_SECONDS;
}

/**
 * Plans a burst: the pods to request (the lowest of toPods, the hourly cost cap and the monthly
 * budget, never below the replicas in force), warm-up, ramp, hold and scale-back times, the cost,
 * and what the cluster's capacity says about it.
 */
export function planBurst(input: BurstPlanInput): BurstPlan {
  validate(input);
  const { podHourUSD: price, previousReplicas: previous, capacity, now } = input;
  const warnings: string[] = [];
  const start = Math.max(input.startAt.getTime(), now.getTime());
  if (!capacity) warnings.push('cluster capacity is unknown: node needs and time to ready are not estimated');

  const limits: BurstLimitEntry[] = [{ limit: 'toPods', replicas: input.toPods, detail: `toPods asks for ${input.toPods} pods` }];
  if (price > 0) {
    const replicas = Math.floor(input.maxCostPerHourUSD / price + EPSILON);
    limits.push({
      limit: 'maxCostPerHour',
      replicas,
      detail: `maxCostPerHourUSD ${formatUSD(input.maxCostPerHourUSD)} at ${formatRateUSD(price)} per pod-hour allows ${replicas} pods`,
    });
  }
  if (input.budget) {
    // The window's length depends on the target; timing the larger pre-budget target never flatters the budget.
    const preBudgetTarget = Math.max(previous, Math.min(...limits.map((l) => l.replicas)));
    const budgetLimit = monthlyBudgetLimit(input, start, timing(input, start, preBudgetTarget), warnings);
    if (budgetLimit) limits.push(budgetLimit);
  }

  const binding = limits.reduce((low, l) => (l.replicas < low.replicas ? l : low));
  const requestedPods = Math.max(previous, binding.replicas);
  if (binding.replicas < previous) {
    warnings.push(
      `the ${binding.limit} limit allows ${binding.replicas} pods, fewer than the ${previous} running now: a burst never shrinks a service, so it stays at ${previous}`,
    );
  }

  const timed = timing(input, start, requestedPods);
  warnings.push(...timed.warnings);
  // Placeholders hold a slot for every added pod from warm-up until the burst's pods take their place.
  const placeholders = timed.warmUpAt === null ? 0 : requestedPods - previous;
  const warmUpHours = timed.warmUpAt === null ? 0 : (start - timed.warmUpAt) / HOUR_MS;
  const estimatedCostUSD = requestedPods * price * (timed.readySeconds / 3600 + input.holdMinutes / 60) + placeholders * price * warmUpHours;

  const readyAt = start + timed.readySeconds * 1000;
  const scaleBackAt = readyAt + input.holdMinutes * 60_000;
  const iso = (ms: number) => new Date(ms).toISOString();
  const schedule: BurstStep[] = [];
  if (timed.warmUpAt !== null) {
    // The warm-up step counts placeholder pods, not the service's replicas.
    schedule.push({
      at: iso(timed.warmUpAt),
      step: 'warm-up',
      replicas: placeholders,
      note: `place ${placeholders} placeholder pods so new nodes are ready at the start`,
    });
  }
  schedule.push(
    { at: iso(start), step: 'ramp', replicas: requestedPods, note: `scale from ${previous} to ${requestedPods} pods` },
    {
      at: iso(readyAt),
      step: 'hold',
      replicas: requestedPods,
      note: `${requestedPods} pods ready in about ${Math.round(timed.readySeconds)} s; hold for ${input.holdMinutes} minutes`,
    },
    { at: iso(scaleBackAt), step: 'scale-back', replicas: previous, note: `scale back to ${previous}, the level in force before the burst` },
    { at: iso(scaleBackAt), step: 'done', replicas: previous, note: 'the burst is over' },
  );

  return {
    requestedPods,
    bindingLimit: binding.limit,
    limits,
    schedule,
    estimatedCostUSD,
    estimatedReadySeconds: timed.readySeconds,
    capacityWarnings: warnings,
    warmUpAt: timed.warmUpAt === null ? null : iso(timed.warmUpAt),
  };
}

interface Timing {
  /** Milliseconds since the epoch, or null without a warm-up. */
  warmUpAt: number | null;
  readySeconds: number;
  warnings: string[];
}

/**
 * When the target's pods are ready: at once if none are added; a pod start if they fit on free
 * node slots or nodes were warmed; else one batch of new nodes, then a pod start.
 */
function timing(input: BurstPlanInput, start: number, target: number): Timing {
  const { capacity, previousReplicas: previous } = input;
  const added = target - previous;
  if (!capacity || added <= 0) return { warmUpAt: null, readySeconds: 0, warnings: [] };

  const warnings: string[] = [];
  const slots = capacity.nodes * capacity.podsPerNode;
  const free = Math.max(0, slots - capacity.podsScheduled);
  if (added <= free) return { warmUpAt: null, readySeconds: capacity.podReadySeconds, warnings };
  if (!(capacity.podsPerNode > 0)) {
    warnings.push(`the nodes report no pod capacity: ${added - free} pods may stay Pending`);
  } else {
    const newNodes = Math.ceil((added - free) / capacity.podsPerNode);
    const allowedNew = capacity.maxNodes === null ? Infinity : Math.max(0, capacity.maxNodes - capacity.nodes);
    if (newNodes > allowedNew) {
      const pending = added - free - allowedNew * capacity.podsPerNode;
      warnings.push(
        `the target needs ${capacity.nodes + newNodes} nodes (${newNodes} more) but the node groups allow at most ${capacity.maxNodes}: about ${pending} pods would stay Pending`,
      );
    }
  }
  const lead = warmUpLeadSeconds(capacity) * 1000;
  if (start - input.now.getTime() >= lead) return { warmUpAt: start - lead, readySeconds: capacity.podReadySeconds, warnings };
  return { warmUpAt: null, readySeconds: capacity.nodeProvisioningSeconds + capacity.podReadySeconds, warnings };
}

/**
 * The most pods whose burst window fits this month's cap: spent + previous × price × (hours left −
 * window) + pods × price × window ≤ monthly, where the window runs from warm-up (or start) through
 * ready and hold and counts only its part inside this month. Null when it cannot bind.
 */
function monthlyBudgetLimit(input: BurstPlanInput, start: number, timed: Timing, warnings: string[]): BurstLimitEntry | null {
  const budget = input.budget;
  if (!budget || !(input.podHourUSD > 0)) return null;
  const now = input.now.getTime();
  const windowStart = timed.warmUpAt ?? start;
  const windowEnd = start + (timed.readySeconds + input.holdMinutes * 60) * 1000;
  const monthEnd = nextMonthStart(input.now).getTime();
  const windowHours = Math.max(0, Math.min(windowEnd, monthEnd) - Math.max(windowStart, now)) / HOUR_MS;
  if (windowHours <= 0) {
    warnings.push(`the burst starts after ${monthOf(input.now)}: this month's budget does not limit it`);
    return null;
  }
  const price = input.podHourUSD;
  const previousCost = input.previousReplicas * price * Math.max(0, hoursLeftInMonth(input.now) - windowHours);
  const room = budget.monthlyUSD - budget.spentUSD - previousCost;
  const replicas = Math.max(0, Math.floor(room / (price * windowHours) + EPSILON));
  return {
    limit: 'monthlyBudget',
    replicas,
    detail:
      `monthly budget ${formatUSD(budget.monthlyUSD)} with ${formatUSD(budget.spentUSD)} spent allows ${replicas} pods` +
      ` for the burst's ${windowHours.toFixed(2)} hours, with ${input.previousReplicas} pods for the rest of the month`,
  };
}

function validate(input: BurstPlanInput): void {
  const count = (value: number, field: string) => {
    if (!Number.isInteger(value) || value < 0) throw new ValidationError(`${field} must be a whole number ≥ 0`, field);
  };
  const money = (value: number, field: string) => {
    if (!Number.isFinite(value) || value < 0) throw new ValidationError(`${field} must be a number of dollars ≥ 0`, field);
  };
  count(input.fromPods, 'fromPods');
  count(input.toPods, 'toPods');
  count(input.previousReplicas, 'previousReplicas');
  if (input.toPods < input.fromPods) throw new ValidationError(`toPods ${input.toPods} must be at least fromPods ${input.fromPods}`, 'toPods');
  money(input.maxCostPerHourUSD, 'maxCostPerHourUSD');
  money(input.podHourUSD, 'podHourUSD');
  if (!Number.isFinite(input.holdMinutes) || input.holdMinutes < 0 || input.holdMinutes > BURST_MAX_HOLD_MINUTES) {
    throw new ValidationError(`holdMinutes must be between 0 and ${BURST_MAX_HOLD_MINUTES} (7 days)`, 'holdMinutes');
  }
  if (Number.isNaN(input.startAt.getTime())) throw new ValidationError('startAt must be a valid time', 'startAt');
}
