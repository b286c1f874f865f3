import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FARGATE_CONFIGURATIONS, fargateBilledSize, formatRateUSD, formatUSD, podHourPrice } from '#domain/cost.ts';
import { ValidationError } from '#domain/errors.ts';
import { FARGATE_RATE_TABLE, fargateRate } from '#domain/fargate-rates.ts';

describe('fargateBilledSize', () => {
  it('adds 0.25 GiB for Kubernetes and rounds up to a configuration', () => {
    expect(fargateBilledSize({ vcpu: 0.25, memoryGiB: 0.25 })).toEqual({ vcpu: 0.25, memoryGiB: 0.5 });
    expect(fargateBilledSize({ vcpu: 0.25, memoryGiB: 0.5 })).toEqual({ vcpu: 0.25, memoryGiB: 1 });
    expect(fargateBilledSize({ vcpu: 0.5, memoryGiB: 1 })).toEqual({ vcpu: 0.5, memoryGiB: 2 });
    expect(fargateBilledSize({ vcpu: 0.3, memoryGiB: 0.5 })).toEqual({ vcpu: 0.5, memoryGiB: 1 });
  });

  it("moves to the next vCPU size when memory outgrows the current one (the EKS guide's 1 vCPU, 8 GB example)", () => {
    expect(fargateBilledSize({ vcpu: 1, memoryGiB: 8 })).toEqual({ vcpu: 2, memoryGiB: 9 });
    expect(fargateBilledSize({ vcpu: 0.25, memoryGiB: 2 })).toEqual({ vcpu: 0.5, memoryGiB: 3 });
  });

  it('uses the smallest configuration for pods with no requests', () => {
    expect(fargateBilledSize({ vcpu: 0, memoryGiB: 0 })).toEqual({ vcpu: 0.25, memoryGiB: 0.5 });
  });

  it('follows the 4 GB and 8 GB steps of the 8 and 16 vCPU sizes', () => {
    expect(fargateBilledSize({ vcpu: 8, memoryGiB: 17 })).toEqual({ vcpu: 8, memoryGiB: 20 });
    expect(fargateBilledSize({ vcpu: 4, memoryGiB: 30 })).toEqual({ vcpu: 8, memoryGiB: 32 });
    expect(fargateBilledSize({ vcpu: 16, memoryGiB: 33 })).toEqual({ vcpu: 16, memoryGiB: 40 });
    expect(fargateBilledSize({ vcpu: 16, memoryGiB: 119.75 })).toEqual({ vcpu: 16, memoryGiB: 120 });
  });

  it('lands exactly on a configuration despite float noise in the requests', () => {
    expect(fargateBilledSize({ vcpu: 0.1 + 0.15, memoryGiB: 0.1 + 0.2 + 0.7 - 0.25 })).toEqual({ vcpu: 0.25, memoryGiB: 1 });
  });

  it('refuses pods larger than any configuration, and negative requests', () => {
    expect(() => fargateBilledSize({ vcpu: 17, memoryGiB: 1 })).toThrow(ValidationError);
    expect(() => fargateBilledSize({ vcpu: 16, memoryGiB: 120 })).toThrow(/largest Fargate configuration/);
    expect(() => fargateBilledSize({ vcpu: -1, memoryGiB: 1 })).toThrow(ValidationError);
    expect(() => fargateBilledSize({ vcpu: 1, memoryGiB: Number.NaN })).toThrow(ValidationError);
  });

  it('lists the configurations of the EKS guide', () => {
    const sizes = Object.fromEntries(FARGATE_CONFIGURATIONS.map((c) => [c.vcpu, [c.memoryGiB[0], c.memoryGiB.at(-1), c.memoryGiB.length]]));
    expect(sizes).toEqual({ 0.25: [0.5, 2, 3], 0.5: [1, 4, 4], 1: [2, 8, 7], 2: [4, 16, 13], 4: [8, 30, 23], 8: [16, 60, 12], 16: [32, 120, 12] });
  });

  it('always bills at least the requests plus the overhead, at the cheapest fitting configuration', () => {
    const price = (s: { vcpu: number; memoryGiB: number }) => s.vcpu * 0.04048 + s.memoryGiB * 0.004445;
    const all = FARGATE_CONFIGURATIONS.flatMap((c) => c.memoryGiB.map((memoryGiB) => ({ vcpu: c.vcpu, memoryGiB })));
    fc.assert(
      fc.property(fc.double({ min: 0, max: 16, noNaN: true }), fc.double({ min: 0, max: 119.75, noNaN: true }), (vcpu, memoryGiB) => {
        const size = fargateBilledSize({ vcpu, memoryGiB });
        expect(size.vcpu).toBeGreaterThanOrEqual(vcpu - 1e-9);
        expect(size.memoryGiB).toBeGreaterThanOrEqual(memoryGiB + 0.25 - 1e-9);
        const fitting = all.filter((c) => c.vcpu + 1e-9 >= vcpu && c.memoryGiB + 1e-9 >= memoryGiB + 0.25);
        expect(price(size)).toBeCloseTo(Math.min(...fitting.map(price)), 12);
      }),
    );
  });
});

describe('podHourPrice', () => {
  it("prices requests at the region's Fargate rates and says how", () => {
    const price = podHourPrice({ requests: { vcpu: 0.5, memoryGiB: 0.75 }, region: 'us-east-1' });
    expect(price.basis).toBe('fargate');
    expect(price.usd).toBeCloseTo(0.5 * 0.04048 + 1 * 0.004445, 12);
    expect(price.detail).toContain('us-east-1');
    expect(price.detail).toContain('0.5 vCPU × $0.04048 + 1 GB × $0.004445 = $0.024685 per pod-hour');
    expect(price.detail).toContain(FARGATE_RATE_TABLE.source);
  });

  it('prefers an explicit podHourUSD, whatever the region', () => {
    const price = podHourPrice({ podHourUSD: 0.2, requests: { vcpu: 4, memoryGiB: 8 }, region: 'mars-north-1' });
    expect(price).toEqual({ usd: 0.2, basis: 'explicit', detail: 'explicit podHourUSD: $0.20 per pod-hour' });
  });

  it('uses the GovCloud rows for GovCloud regions', () => {
    const gov = podHourPrice({ requests: { vcpu: 1, memoryGiB: 1.75 }, region: 'us-gov-west-1' });
    const rate = fargateRate('us-gov-west-1')!;
    expect(gov.usd).toBeCloseTo(rate.vcpuHourUSD + 2 * rate.gbHourUSD, 12);
    expect(fargateRate('us-gov-east-1')).not.toBeNull();
  });

  it('asks for podHourUSD when the region has no row', () => {
    try {
      podHourPrice({ requests: { vcpu: 1, memoryGiB: 1 }, region: 'mars-north-1' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field).toBe('podHourUSD');
      expect((err as ValidationError).message).toContain('mars-north-1');
    }
  });

  it('asks for podHourUSD when there are no requests to price, and refuses a negative one', () => {
    expect(() => podHourPrice({ region: 'us-east-1' })).toThrow(/podHourUSD/);
    expect(() => podHourPrice({ podHourUSD: -1, region: 'us-east-1' })).toThrow(ValidationError);
  });

  it('does not take inherited object keys for regions', () => {
    expect(fargateRate('toString')).toBeNull();
    expect(fargateRate('__proto__')).toBeNull();
  });
});

describe('the rate table', () => {
  it('has a source, a date and positive rates for every row', () => {
    expect(FARGATE_RATE_TABLE.source).toMatch(/^https:\/\/aws\.amazon\.com\/fargate\/pricing/);
    expect(FARGATE_RATE_TABLE.retrievedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const rate of Object.values(FARGATE_RATE_TABLE.regions)) {
      expect(rate.vcpuHourUSD).toBeGreaterThan(0);
      expect(rate.gbHourUSD).toBeGreaterThan(0);
    }
    expect(fargateRate('us-east-1')).toEqual({ vcpuHourUSD: 0.04048, gbHourUSD: 0.004445 });
  });
});

describe('formatUSD', () => {
  it('drops cents from $100 up and keeps them below', () => {
    expect(formatUSD(9870.4)).toBe('$9,870');
    expect(formatUSD(10_000)).toBe('$10,000');
    expect(formatUSD(100)).toBe('$100');
    expect(formatUSD(12.344)).toBe('$12.34');
    expect(formatUSD(0)).toBe('$0.00');
    expect(formatUSD(1_234_567.8)).toBe('$1,234,568');
  });

  it('writes every amount as Intl.NumberFormat en-US writes USD, without loading Intl at import', () => {
    const whole = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });
    const cents = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
    const asIntl = (n: number) => (Math.abs(n) >= 100 ? whole.format(n) : cents.format(n));
    const amounts = fc.oneof(
      fc.double({ min: -1e22, max: 1e22, noNaN: true }),
      fc.double({ min: -200, max: 200, noNaN: true }),
      // Halves, where the rounding rule shows.
      fc.integer({ min: -1_000_000, max: 1_000_000 }).map((i) => i + 0.5),
      fc.integer({ min: -100_000, max: 100_000 }).map((i) => i / 1000),
    );
    fc.assert(
      fc.property(amounts, (n) => formatUSD(n) === asIntl(n)),
      { numRuns: 5_000 },
    );
    for (const n of [-0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, 99.995, 100, -99.999]) expect(formatUSD(n)).toBe(asIntl(n));
  });

  it('writes unit prices with their significant digits', () => {
    expect(formatRateUSD(0.04048)).toBe('$0.04048');
    expect(formatRateUSD(0.2)).toBe('$0.20');
    expect(formatRateUSD(1 / 3)).toBe('$0.333333');
  });
});
