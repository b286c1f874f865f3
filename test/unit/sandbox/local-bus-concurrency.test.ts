import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { consumerRestarterFunction } from '#functions/consumer-restarter/triggers.ts';
import { scalerFunction } from '#functions/scaler/triggers.ts';
import { DEFAULT_RESERVED_CONCURRENCY } from '#infra/config.ts';
import {
  ACCOUNT_CONCURRENCY,
  ConcurrencySlots,
  concurrencyLimit,
  EventAgeExceeded,
  MAX_EVENT_AGE_MS,
  stackReservedConcurrency,
} from '#sandbox/function-concurrency.ts';
import { LocalBus } from '#sandbox/local-bus.ts';

const alarmEvent = (alarmName: string) => ({
  version: '0',
  id: `id-${alarmName}`,
  'detail-type': 'CloudWatch Alarm State Change',
  source: 'aws.cloudwatch',
  account: '123456789012',
  time: '2026-10-02T17:04:40Z',
  region: 'us-east-1',
  resources: [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarmName}`],
  detail: { alarmName, state: { value: 'ALARM', reason: 'Threshold Crossed', timestamp: '2026-10-02T17:04:40.985+0000' }, previousState: { value: 'OK' } },
});

/** A handler that counts the copies running at once and yields a few turns, so copies overlap. */
function instrumented() {
  const seen = { running: 0, peak: 0, handled: new Set<string>() };
  const handler = async (event: never) => {
    seen.running += 1;
    seen.peak = Math.max(seen.peak, seen.running);
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    seen.handled.add((event as { detail: { alarmName: string } }).detail.alarmName);
    seen.running -= 1;
  };
  return { seen, handler };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the local bus under a burst of 200 alarms', () => {
  it('runs at most the reserved copies of the scaler at once, queues the rest and handles all 200, none parked', async () => {
    const parked: unknown[] = [];
    const bus = new LocalBus({ park: async (item) => void parked.push(item) }, { retryDelayMs: 1, reservedConcurrency: 5, throttleRetryMs: 0 });
    const { seen, handler } = instrumented();
    bus.register(scalerFunction, handler);

    const delivered = Promise.all(Array.from({ length: 200 }, (_, i) => bus.publish(alarmEvent(`hms-sys-AR-${100 + i}-scale-out`))));
    expect(bus.concurrency().scaler).toEqual({ limit: 5, running: 5, queued: 195 });
    const invocations = (await delivered).flat();

    expect(seen.peak).toBe(5);
    expect(seen.handled.size).toBe(200);
    expect(invocations.filter((i) => i.error)).toEqual([]);
    expect(parked).toEqual([]);
    expect(bus.concurrency().scaler).toEqual({ limit: 5, running: 0, queued: 0 });
  });

  it('holds a function with a declared maxInstances to it, whatever hms:reservedConcurrency says', async () => {
    const bus = new LocalBus({ park: async () => undefined }, { retryDelayMs: 1, reservedConcurrency: 50, throttleRetryMs: 0 });
    const { seen, handler } = instrumented();
    bus.register(consumerRestarterFunction, handler);
    const events = Array.from({ length: 20 }, (_, i) => ({ source: 'hms.sys', 'detail-type': 'DbCredentialReplaced', detail: { alarmName: `c-${i}` } }));
    await Promise.all(events.map((event) => bus.publish(event)));
    expect(seen.peak).toBe(1);
    expect(seen.handled.size).toBe(20);
  });

  it("frees the copy between a failing event's attempts, so its retries do not hold others back", async () => {
    const parked: unknown[] = [];
    const bus = new LocalBus({ park: async (item) => void parked.push(item) }, { retryDelayMs: 5, reservedConcurrency: 1, throttleRetryMs: 0 });
    const order: string[] = [];
    bus.register(scalerFunction, async (event: never) => {
      const name = (event as { detail: { alarmName: string } }).detail.alarmName;
      order.push(name);
      if (name.endsWith('AR-1-scale-out')) throw new Error('cluster down');
    });
    await Promise.all([bus.publish(alarmEvent('hms-sys-AR-1-scale-out')), bus.publish(alarmEvent('hms-sys-AR-2-scale-out'))]);
    expect(order).toEqual(['hms-sys-AR-1-scale-out', 'hms-sys-AR-2-scale-out', 'hms-sys-AR-1-scale-out', 'hms-sys-AR-1-scale-out']);
    expect(parked).toHaveLength(1);
  });
});

describe("a function's queue", () => {
  it('starts a throttled event no sooner than the first retry interval after it was throttled', async () => {
    vi.useFakeTimers();
    const slots = new ConcurrencySlots(1, 1_000);
    const release = await slots.acquire();
    let started = false;
    void slots.acquire().then(() => {
      started = true;
    });
    release();
    await vi.advanceTimersByTimeAsync(999);
    expect(started).toBe(false);
    expect(slots.queued).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(started).toBe(true);
    expect(slots.running).toBe(1);
  });

  it('discards an event that waited longer than the maximum event age, as Lambda does', async () => {
    vi.useFakeTimers();
    const slots = new ConcurrencySlots(1, 1_000);
    const release = await slots.acquire();
    const waiting = slots.acquire();
    const outcome = waiting.then(
      () => 'started',
      (err: unknown) => err,
    );
    await vi.advanceTimersByTimeAsync(MAX_EVENT_AGE_MS + 1);
    release();
    expect(await outcome).toBeInstanceOf(EventAgeExceeded);
    expect(slots.queued).toBe(0);
  });
});

describe("each function's limit, as the stack reserves it", () => {
  const dir = mkdtempSync(join(tmpdir(), 'cdk-json-'));
  const cdkJson = (context: Record<string, unknown>) => {
    const path = join(dir, `cdk-${Math.random()}.json`);
    writeFileSync(path, JSON.stringify({ app: 'x', context }));
    return path;
  };

  it('reads hms:reservedConcurrency from cdk.json as the stack does: 5 when absent, none for none', () => {
    expect(stackReservedConcurrency(cdkJson({}))).toBe(DEFAULT_RESERVED_CONCURRENCY);
    expect(stackReservedConcurrency(cdkJson({ 'hms:reservedConcurrency': 2 }))).toBe(2);
    expect(stackReservedConcurrency(cdkJson({ 'hms:reservedConcurrency': 'none' }))).toBeUndefined();
    expect(stackReservedConcurrency(join(dir, 'absent.json'))).toBe(DEFAULT_RESERVED_CONCURRENCY);
    expect(stackReservedConcurrency()).toBe(DEFAULT_RESERVED_CONCURRENCY); // this repository's cdk.json leaves it out
    rmSync(dir, { recursive: true, force: true });
  });

  it("gives a declared maxInstances first, then the reservation, then the account's pool", () => {
    expect(concurrencyLimit(consumerRestarterFunction, 5)).toBe(1);
    expect(concurrencyLimit(scalerFunction, 5)).toBe(5);
    expect(concurrencyLimit(scalerFunction, undefined)).toBe(ACCOUNT_CONCURRENCY);
  });
});
