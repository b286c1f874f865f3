import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accrue,
  accrueWithClose,
  budgetState,
  type ClampInput,
  clampToBudget,
  hoursLeftInMonth,
  MIN_AFFORDABILITY_HOURS,
  maxAffordableReplicas,
  monthOf,
  newlyCrossed,
  projectedSpend,
  type Usage,
} from '#domain/budget.ts';

const at = (iso: string) => new Date(iso);
const usage = (over: Partial<Usage> = {}): Usage => ({
  service: 'fema-portal',
  month: '2026-11',
  spentUSD: 0,
  meteredAt: '2026-11-10T00:00:00.000Z',
  replicas: 10,
  podHourUSD: 0.5,
  alerted: [],
  floorAlerted: false,
  version: 3,
  ...over,
});
const reading = (iso: string, replicas = 10, podHourUSD = 0.5) => ({ service: 'fema-portal', at: at(iso), replicas, podHourUSD });

describe('month arithmetic (UTC)', () => {
  it('names the month in UTC', () => {
    expect(monthOf(at('2026-11-30T23:59:59Z'))).toBe('2026-11');
    expect(monthOf(at('2026-12-01T00:00:00Z'))).toBe('2026-12');
    expect(monthOf(at('2026-12-01T00:30:00+01:00'))).toBe('2026-11');
  });

  it('counts the hours left to the month end', () => {
    expect(hoursLeftInMonth(at('2026-11-01T00:00:00Z'))).toBe(720);
    expect(hoursLeftInMonth(at('2026-11-30T12:00:00Z'))).toBe(12);
    expect(hoursLeftInMonth(at('2026-12-31T23:00:00Z'))).toBe(1);
    expect(hoursLeftInMonth(at('2028-02-01T00:00:00Z'))).toBe(29 * 24);
  });
});

describe('accrue', () => {
  it('starts a month at zero from the first reading', () => {
    expect(accrue(null, reading('2026-11-10T00:00:00Z', 4, 0.2))).toEqual({
      service: 'fema-portal',
      month: '2026-11',
      spentUSD: 0,
      meteredAt: '2026-11-10T00:00:00.000Z',
      replicas: 4,
      podHourUSD: 0.2,
      alerted: [],
      floorAlerted: false,
      version: 1,
    });
  });

  it('charges the previous replicas at the previous price for the time since the last reading', () => {
    const next = accrue(usage({ spentUSD: 100, alerted: [80] }), reading('2026-11-10T00:01:00Z', 30, 0.7));
    expect(next.spentUSD).toBeCloseTo(100 + (10 * 0.5) / 60, 12);
    expect(next).toMatchObject({ replicas: 30, podHourUSD: 0.7, meteredAt: '2026-11-10T00:01:00.000Z', alerted: [80], version: 4 });
  });

  it('accrues the whole of a long gap at the replicas last seen', () => {
    const next = accrue(usage(), reading('2026-11-10T06:00:00Z'));
    expect(next.spentUSD).toBeCloseTo(10 * 0.5 * 6, 12);
  });

  it('accrues nothing for a duplicate or older reading, and returns the usage unchanged', () => {
    const previous = usage({ spentUSD: 42 });
    expect(accrue(previous, reading('2026-11-10T00:00:00Z', 99))).toEqual(previous);
    expect(accrue(previous, reading('2026-11-09T23:00:00Z', 99))).toEqual(previous);
  });

  it('splits at a month boundary: the old month is closed at its end, the new one holds only its own share', () => {
    const previous = usage({ spentUSD: 500, meteredAt: '2026-11-30T23:59:00.000Z', alerted: [80, 100], floorAlerted: true });
    const { usage: next, closedMonth } = accrueWithClose(previous, reading('2026-12-01T00:02:00Z', 12, 0.6));
    expect(closedMonth).toMatchObject({ month: '2026-11', meteredAt: '2026-12-01T00:00:00.000Z', replicas: 10, version: 4 });
    expect(closedMonth!.spentUSD).toBeCloseTo(500 + (10 * 0.5) / 60, 12);
    expect(next).toMatchObject({ month: '2026-12', replicas: 12, podHourUSD: 0.6, alerted: [], floorAlerted: false, version: 1 });
    expect(next.spentUSD).toBeCloseTo((10 * 0.5 * 2) / 60, 12);
  });

  it('is additive: accruing at t1 then t2 equals accruing at t2 for constant replicas', () => {
    const start = Date.parse('2026-11-20T00:00:00Z');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 * 24 * 20 }),
        fc.integer({ min: 0, max: 60 * 24 * 20 }),
        fc.integer({ min: 0, max: 2000 }),
        fc.double({ min: 0, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        (m1, m2, replicas, price, spent) => {
          const [a, b] = m1 <= m2 ? [m1, m2] : [m2, m1];
          const first = usage({ meteredAt: new Date(start).toISOString(), replicas, podHourUSD: price, spentUSD: spent });
          const t = (minutes: number) => new Date(start + minutes * 60_000).toISOString();
          const twoSteps = accrue(accrue(first, reading(t(a), replicas, price)), reading(t(b), replicas, price));
          const oneStep = accrue(first, reading(t(b), replicas, price));
          expect(twoSteps.month).toBe(oneStep.month);
          expect(twoSteps.meteredAt).toBe(oneStep.meteredAt);
          expect(twoSteps.spentUSD).toBeCloseTo(oneStep.spentUSD, 6);
        },
      ),
    );
  });

  it('loses no spend across a rollover: closed tail plus new share equals the whole gap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 1, max: 600 }), fc.integer({ min: 0, max: 500 }), (before, after, replicas) => {
        const boundary = Date.parse('2026-12-01T00:00:00Z');
        const previous = usage({ meteredAt: new Date(boundary - before * 60_000).toISOString(), replicas, podHourUSD: 0.25 });
        const { usage: next, closedMonth } = accrueWithClose(previous, {
          service: 'fema-portal',
          at: new Date(boundary + after * 60_000),
          replicas,
          podHourUSD: 0.25,
        });
        expect(closedMonth!.spentUSD - previous.spentUSD + next.spentUSD).toBeCloseTo((replicas * 0.25 * (before + after)) / 60, 9);
      }),
    );
  });
});

describe('projection and affordability', () => {
  const now = at('2026-11-30T00:00:00Z'); // 24 hours left

  it('projects spent plus replicas × price × hours left', () => {
    expect(projectedSpend({ spentUSD: 9000, replicas: 10, podHourUSD: 2, now })).toBe(9000 + 10 * 2 * 24);
  });

  it('affords floor((monthly − spent) / (price × hours left)) replicas, at least 0', () => {
    expect(maxAffordableReplicas({ monthlyUSD: 10_000, spentUSD: 9000, podHourUSD: 2, now })).toBe(20);
    expect(maxAffordableReplicas({ monthlyUSD: 10_000, spentUSD: 9000, podHourUSD: 2.1, now })).toBe(19);
    expect(maxAffordableReplicas({ monthlyUSD: 10_000, spentUSD: 12_000, podHourUSD: 2, now })).toBe(0);
  });

  it('affords any count when pods are free, and no longer divides by almost nothing at the month end', () => {
    expect(maxAffordableReplicas({ monthlyUSD: 10, spentUSD: 0, podHourUSD: 0, now })).toBe(Infinity);
    const lastSecond = at('2026-11-30T23:59:59Z');
    expect(maxAffordableReplicas({ monthlyUSD: 100, spentUSD: 0, podHourUSD: 1, now: lastSecond })).toBe(100 / MIN_AFFORDABILITY_HOURS);
  });
});

describe('clampToBudget', () => {
  // 120 hours left; $1 a pod-hour: each replica costs $120 to the month end.
  const now = at('2026-11-26T00:00:00Z');
  const base: ClampInput = { current: 10, desired: 30, floor: 2, monthlyUSD: 10_000, spentUSD: 8_050, podHourUSD: 1, now };

  it('caps a scale-up at the affordable count and says so in words', () => {
    const result = clampToBudget(base);
    expect(result).toEqual({
      replicas: 16,
      clamped: true,
      floorExceedsBudget: false,
      reasons: ['capped at 16 replicas by budget: projected $9,970 of $10,000'],
    });
  });

  it("matches the issue's wording", () => {
    // 15 × $1.25 × 120 h = $2,250 on top of $7,620 spent; a 16th replica would reach $10,020.
    const result = clampToBudget({ ...base, current: 5, desired: 40, spentUSD: 7_620, podHourUSD: 1.25 });
    expect(result.reasons).toEqual(['capped at 15 replicas by budget: projected $9,870 of $10,000']);
  });

  it('lets an affordable scale-up through with the projection in words', () => {
    const result = clampToBudget({ ...base, desired: 12 });
    expect(result).toEqual({ replicas: 12, clamped: false, floorExceedsBudget: false, reasons: ['within budget: projected $9,490 of $10,000'] });
  });

  it('keeps the floor when the floor alone exceeds the budget', () => {
    const result = clampToBudget({ ...base, current: 10, desired: 30, floor: 20 });
    expect(result.replicas).toBe(20);
    expect(result.floorExceedsBudget).toBe(true);
    expect(result.reasons).toEqual(['minReplicas 20 exceeds the budget: projected $10,450 of $10,000; availability comes first']);
  });

  it('never cuts replicas already running, even above the affordable count', () => {
    const result = clampToBudget({ ...base, current: 18, desired: 25 });
    expect(result.replicas).toBe(18);
    expect(result.clamped).toBe(true);
    expect(result.reasons[0]).toContain('capped at 18 replicas by budget');
    expect(result.reasons[0]).toContain('the budget affords 16');
  });

  it('passes scale-ins and no-change through untouched', () => {
    expect(clampToBudget({ ...base, current: 30, desired: 12 })).toEqual({ replicas: 12, clamped: false, floorExceedsBudget: false, reasons: [] });
    expect(clampToBudget({ ...base, current: 30, desired: 30, spentUSD: 99_999 })).toEqual({
      replicas: 30,
      clamped: false,
      floorExceedsBudget: false,
      reasons: [],
    });
  });

  it('does not clamp free pods', () => {
    expect(clampToBudget({ ...base, podHourUSD: 0, desired: 5_000 }).replicas).toBe(5_000);
  });

  // Headroom and prices are drawn so the affordable count often lands among the replica counts drawn.
  const arbitraryClamp = fc
    .record({
      current: fc.integer({ min: 0, max: 500 }),
      desired: fc.integer({ min: 0, max: 1000 }),
      floor: fc.integer({ min: 0, max: 200 }),
      spentUSD: fc.integer({ min: 0, max: 10_000_000 }).map((cents) => cents / 100),
      headroomUSD: fc.integer({ min: -1_000_000, max: 10_000_000 }).map((cents) => cents / 100),
      podHourUSD: fc.oneof(
        fc.constant(0),
        fc.integer({ min: 1, max: 50_000 }).map((n) => n / 10_000),
        fc.double({ min: 0, max: 5, noNaN: true }),
      ),
      minutesIn: fc.integer({ min: 0, max: 30 * 24 * 60 - 1 }),
    })
    .map(({ minutesIn, headroomUSD, ...a }) => ({
      ...a,
      monthlyUSD: Math.max(0, a.spentUSD + headroomUSD),
      desired: Math.max(a.desired, a.floor),
      now: new Date(Date.parse('2026-11-01T00:00:00Z') + minutesIn * 60_000),
    }));

  it('never goes above max(affordable, current, floor): the projection stays within the cap unless the floor or running replicas force it', () => {
    fc.assert(
      fc.property(arbitraryClamp, (input) => {
        const { replicas } = clampToBudget(input);
        const affordable = maxAffordableReplicas(input);
        if (input.desired > input.current) expect(replicas).toBeLessThanOrEqual(Math.max(affordable, input.current, input.floor));
        if (input.desired > input.current && replicas > Math.max(input.current, input.floor)) {
          // What the month still has to pay for fits in what is left of the cap (free pods add nothing).
          const toCome = projectedSpend({ ...input, replicas }) - input.spentUSD;
          expect(toCome).toBeLessThanOrEqual(Math.max(0, input.monthlyUSD - input.spentUSD) * (1 + 1e-9) + 1e-6);
        }
      }),
    );
  });

  it('never goes below the floor', () => {
    fc.assert(
      fc.property(arbitraryClamp, (input) => {
        expect(clampToBudget(input).replicas).toBeGreaterThanOrEqual(Math.min(input.floor, input.desired <= input.current ? input.desired : input.floor));
        if (input.desired > input.current) expect(clampToBudget(input).replicas).toBeGreaterThanOrEqual(input.floor);
      }),
    );
  });

  it('is monotonic non-decreasing in monthlyUSD', () => {
    fc.assert(
      fc.property(
        arbitraryClamp,
        fc.integer({ min: 0, max: 10_000_000 }).map((cents) => cents / 100),
        (input, more) => {
          expect(clampToBudget({ ...input, monthlyUSD: input.monthlyUSD + more }).replicas).toBeGreaterThanOrEqual(clampToBudget(input).replicas);
        },
      ),
    );
  });

  it('leaves scale-ins untouched and never scales past what was asked unless the floor demands it', () => {
    fc.assert(
      fc.property(arbitraryClamp, (input) => {
        const result = clampToBudget(input);
        if (input.desired <= input.current) expect(result).toEqual({ replicas: input.desired, clamped: false, floorExceedsBudget: false, reasons: [] });
        else expect(result.replicas).toBeLessThanOrEqual(Math.max(input.desired, input.floor));
      }),
    );
  });
});

describe('budgetState', () => {
  const state = (spentUSD: number, projectedUSD: number, thresholds = [80, 100]) => budgetState({ monthlyUSD: 10_000, spentUSD, projectedUSD, thresholds });

  it('is ok, warning, capped or exceeded', () => {
    expect(state(1_000, 5_000)).toBe('ok');
    expect(state(8_000, 9_000)).toBe('warning');
    expect(state(5_000, 10_000)).toBe('capped');
    expect(state(8_500, 12_000)).toBe('capped');
    expect(state(10_000, 10_000)).toBe('exceeded');
    expect(state(9_000, 9_500, [])).toBe('ok');
    expect(state(5_000, 6_000, [100, 50])).toBe('warning');
  });
});

describe('newlyCrossed', () => {
  it('returns the thresholds spend has reached that were not alerted this month', () => {
    expect(newlyCrossed({ spentUSD: 7_999, alerted: [] }, 10_000, [80, 100])).toEqual([]);
    expect(newlyCrossed({ spentUSD: 8_000, alerted: [] }, 10_000, [80, 100])).toEqual([80]);
    expect(newlyCrossed({ spentUSD: 12_000, alerted: [80] }, 10_000, [100, 80, 50])).toEqual([50, 100]);
    expect(newlyCrossed({ spentUSD: 12_000, alerted: [50, 80, 100] }, 10_000, [100, 80, 50])).toEqual([]);
  });
});

describe('closing a month twice', () => {
  it("adds nothing the second time, when the new month's first write was lost", async () => {
    const { accrueWithClose } = await import('#domain/budget.ts');
    const january = {
      service: 's',
      month: '2027-01',
      spentUSD: 100,
      meteredAt: '2027-01-31T23:00:00.000Z',
      replicas: 2,
      podHourUSD: 0.5,
      alerted: [],
      floorAlerted: false,
      version: 7,
    };
    const first = accrueWithClose(january, { service: 's', at: new Date('2027-02-01T01:00:00Z'), replicas: 2, podHourUSD: 0.5 });
    expect(first.closedMonth!.spentUSD).toBeCloseTo(101, 10);
    const again = accrueWithClose(first.closedMonth, { service: 's', at: new Date('2027-02-01T02:00:00Z'), replicas: 2, podHourUSD: 0.5 });
    expect(again.closedMonth!.spentUSD).toBeCloseTo(101, 10);
    expect(again.closedMonth!.meteredAt).toBe('2027-02-01T00:00:00.000Z');
  });
});
