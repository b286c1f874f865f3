import { formatUSD } from './cost.ts';

const HOUR_MS = 3_600_000;

/** The detail types of the budget alerts published on the hms.sys bus. */
export const THRESHOLD_EVENT = 'BudgetThresholdCrossed';
export const FLOOR_EVENT = 'BudgetFloorExceedsCap';

/**
 * Affordability looks at least this far ahead: in a month's last minutes the hours left tend to
 * zero and would let any scale-up through, though the replicas keep running into the next month.
 */
export const MIN_AFFORDABILITY_HOURS = 1;

/** Slack for float money arithmetic, so a count that fits exactly is not lost to rounding. */
const EPSILON = 1e-9;

/** The calendar month of a moment, in UTC: 'YYYY-MM'. */
export function monthOf(date: Date): string {
  return date.toISOString().slice(0, 7);
}

/** Midnight UTC on the first day of the moment's month. */
export function monthStart(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1));
}

/** Midnight UTC on the first day of the next month: where the moment's month ends. */
export function nextMonthStart(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1));
}

/** Hours from now to the end of the month, in UTC; always above zero. */
export function hoursLeftInMonth(now: Date): number {
  return (nextMonthStart(now).getTime() - now.getTime()) / HOUR_MS;
}

/** A service's metered spend for one calendar month, and the meter's last reading. */
export interface Usage {
  service: string;
  /** 'YYYY-MM', UTC. */
  month: string;
  /** Month-to-date spend at full float precision; round only in words. */
  spentUSD: number;
  /** When spend was last accrued up to (ISO). */
  meteredAt: string;
  /** Replicas and price seen at meteredAt: they run, and cost, until the next reading. */
  replicas: number;
  podHourUSD: number;
  /** Threshold percents already alerted this month. */
  alerted: number[];
  /** Whether this month already alerted that a rule's minReplicas exceeds the budget. */
  floorAlerted: boolean;
  version: number;
}

/** One meter reading: a service's replicas and pod-hour price at a moment. */
export interface MeterReading {
  service: string;
  at: Date;
  replicas: number;
  podHourUSD: number;
}

export interface Accrual {
  /** The usage of the reading's month (or the previous usage, unchanged, for a stale reading). */
  usage: Usage;
  /** The previous month's usage, accrued up to its last instant, when the reading rolled over into a new month. */
  closedMonth: Usage | null;
}

/**
 * Accrues spend up to a reading. The replicas and price of the previous reading ran for the whole
 * time since it, however long the gap: they are the best knowledge of what ran. A reading at or
 * before meteredAt accrues nothing and returns the previous usage unchanged (same version), so a
 * duplicate delivery is harmless. A reading in a later month closes the previous month at its end
 * and starts the new month with only the new month's share; months skipped entirely are not
 * recorded. Pass the latest usage even when it belongs to an earlier month, or the share between
 * the month's start and the first reading is lost.
 */
export function accrueWithClose(previous: Usage | null, reading: MeterReading): Accrual {
  const at = reading.at.getTime();
  const month = monthOf(reading.at);
  const fresh = (spentUSD: number): Usage => ({
    service: reading.service,
    month,
    spentUSD,
    meteredAt: reading.at.toISOString(),
    replicas: reading.replicas,
    podHourUSD: reading.podHourUSD,
    alerted: [],
    floorAlerted: false,
    version: 1,
  });
  if (!previous) return { usage: fresh(0), closedMonth: null };
  const last = Date.parse(previous.meteredAt);
  if (!(at > last)) return { usage: previous, closedMonth: null };

  const perHour = previous.replicas * previous.podHourUSD;
  const spentBetween = (from: number, to: number) => (perHour * (to - from)) / HOUR_MS;
  if (month === previous.month) {
    return {
      usage: {
        ...previous,
        spentUSD: previous.spentUSD + spentBetween(last, at),
        meteredAt: reading.at.toISOString(),
        replicas: reading.replicas,
        podHourUSD: reading.podHourUSD,
        version: previous.version + 1,
      },
      closedMonth: null,
    };
  }
  // The item's own month ends here; a close that is repeated (its meteredAt already at that end) adds nothing.
  const previousEnd = nextMonthStart(new Date(`${previous.month}-01T00:00:00Z`)).getTime();
  const closedMonth: Usage = {
    ...previous,
    spentUSD: previous.spentUSD + spentBetween(Math.min(last, previousEnd), previousEnd),
    meteredAt: new Date(previousEnd).toISOString(),
    version: previous.version + 1,
  };
  return { usage: fresh(spentBetween(monthStart(reading.at).getTime(), at)), closedMonth };
}

/** The next usage after a reading; see accrueWithClose for the rules (and for the closed month's tail). */
export function accrue(previous: Usage | null, reading: MeterReading): Usage {
  return accrueWithClose(previous, reading).usage;
}

export interface SpendInput {
  spentUSD: number;
  replicas: number;
  podHourUSD: number;
  now: Date;
}

/** Month-end spend if the replicas ran unchanged from now: spent + replicas × price × hours left. */
export function projectedSpend(input: SpendInput): number {
  return input.spentUSD + input.replicas * input.podHourUSD * hoursLeftInMonth(input.now);
}

export interface AffordInput {
  monthlyUSD: number;
  spentUSD: number;
  podHourUSD: number;
  now: Date;
}

/**
 * The most replicas that can run from now to month end within the cap:
 * floor((monthly − spent) / (price × hours left)), at least 0; Infinity when pods are free.
 * The hours left count as at least MIN_AFFORDABILITY_HOURS.
 */
export function maxAffordableReplicas(input: AffordInput): number {
  const perReplica = input.podHourUSD * Math.max(hoursLeftInMonth(input.now), MIN_AFFORDABILITY_HOURS);
  if (!(perReplica > 0)) return Infinity;
  const remaining = input.monthlyUSD - input.spentUSD;
  if (remaining <= 0) return 0;
  return Math.max(0, Math.floor(remaining / perReplica + EPSILON));
}

export interface ClampInput extends AffordInput {
  current: number;
  desired: number;
  /** The rule's minReplicas: availability beats the budget. */
  floor: number;
}

export interface ClampResult {
  replicas: number;
  /** The budget lowered the desired count. */
  clamped: boolean;
  /** The floor alone projects above the cap. */
  floorExceedsBudget: boolean;
  reasons: string[];
}

/**
 * Clamps a scale-up so the month-end projection stays within the cap:
 * max(floor, min(desired, max(current, affordable))). Running replicas are never cut and the floor
 * always holds, even above the cap. Scale-ins and no-change pass through untouched.
 */
export function clampToBudget(input: ClampInput): ClampResult {
  const { current, desired, floor } = input;
  if (desired <= current) return { replicas: desired, clamped: false, floorExceedsBudget: false, reasons: [] };

  const affordable = maxAffordableReplicas(input);
  const replicas = Math.max(floor, Math.min(desired, Math.max(current, affordable)));
  const floorExceedsBudget = floor > affordable;
  const projectedAt = (n: number) => `projected ${formatUSD(projectedSpend({ ...input, replicas: n }))} of ${formatUSD(input.monthlyUSD)}`;
  const floorReason = `minReplicas ${floor} exceeds the budget: ${projectedAt(floor)}; availability comes first`;
  const reasons: string[] = [];

  if (floorExceedsBudget && replicas === floor && floor > current) {
    reasons.push(floorReason);
  } else if (replicas < desired) {
    reasons.push(
      replicas > affordable
        ? `capped at ${replicas} replicas by budget: ${projectedAt(replicas)}; the budget affords ${affordable}, and running replicas are not cut`
        : `capped at ${replicas} replicas by budget: ${projectedAt(replicas)}`,
    );
    if (floorExceedsBudget) reasons.push(floorReason);
  } else {
    reasons.push(`within budget: ${projectedAt(replicas)}`);
  }
  return { replicas, clamped: replicas < desired, floorExceedsBudget, reasons };
}

export type BudgetState = 'ok' | 'warning' | 'capped' | 'exceeded';

export interface BudgetStateInput {
  monthlyUSD: number;
  spentUSD: number;
  projectedUSD: number;
  thresholds: readonly number[];
}

/**
 * 'exceeded' once spend reaches the cap; 'capped' while the projection reaches it (scale-ups are
 * being clamped); 'warning' once spend reaches the lowest alert threshold; else 'ok'.
 */
export function budgetState(input: BudgetStateInput): BudgetState {
  const { monthlyUSD, spentUSD, projectedUSD } = input;
  if (spentUSD + EPSILON >= monthlyUSD) return 'exceeded';
  if (projectedUSD + EPSILON >= monthlyUSD) return 'capped';
  const lowest = Math.min(...input.thresholds);
  if (Number.isFinite(lowest) && spentUSD + EPSILON >= (monthlyUSD * lowest) / 100) return 'warning';
  return 'ok';
}

/** Threshold percents that spend has reached and that have not been alerted this month, ascending. */
export function newlyCrossed(usage: Pick<Usage, 'spentUSD' | 'alerted'>, monthlyUSD: number, thresholds: readonly number[]): number[] {
  return [...new Set(thresholds)].filter((t) => !usage.alerted.includes(t) && usage.spentUSD + EPSILON >= (monthlyUSD * t) / 100).sort((a, b) => a - b);
}
