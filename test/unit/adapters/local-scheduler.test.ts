import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LocalScheduler, MAX_TIMER_MS } from '#adapters/local/local-scheduler.ts';
import type { Clock } from '#ports/clock.ts';

/** Fake timers move Date.now; the offset stands in for a sandbox clock moved ahead of it. */
let offsetMs = 0;
const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };
const fired: Array<Record<string, unknown>> = [];
const fire = (payload: Record<string, unknown>) => {
  fired.push(payload);
};
const inSeconds = (s: number) => new Date(clock.now().getTime() + s * 1000);

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-03-01T12:00:00.000Z') });
  offsetMs = 0;
  fired.length = 0;
});
afterEach(() => vi.useRealTimers());

describe('LocalScheduler', () => {
  it('fires once at the time, then is gone', async () => {
    const scheduler = new LocalScheduler({ clock, fire });
    await scheduler.scheduleAt('b1-scale-back', inSeconds(60), { burstId: 'b1' });

    await vi.advanceTimersByTimeAsync(59_999);
    expect(fired).toEqual([]);
    expect(scheduler.pending()).toEqual([{ name: 'b1-scale-back', at: new Date('2026-03-01T12:01:00.000Z') }]);

    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toEqual([{ burstId: 'b1' }]);
    expect(scheduler.pending()).toEqual([]);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(fired).toHaveLength(1);
  });

  it('counts the delay from the clock, not the wall clock', async () => {
    offsetMs = 3_600_000;
    const scheduler = new LocalScheduler({ clock, fire });
    await scheduler.scheduleAt('b1', new Date(Date.parse('2026-03-01T13:00:00.000Z') + 10_000), {});

    await vi.advanceTimersByTimeAsync(10_000);
    expect(fired).toHaveLength(1);
  });

  it('fires a time already past at once', async () => {
    const scheduler = new LocalScheduler({ clock, fire });
    await scheduler.scheduleAt('late', inSeconds(-30), { late: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(fired).toEqual([{ late: true }]);
  });

  it('replaces a schedule of the same name, and cancel clears it', async () => {
    const scheduler = new LocalScheduler({ clock, fire });
    await scheduler.scheduleAt('b1', inSeconds(10), { v: 1 });
    await scheduler.scheduleAt('b1', inSeconds(20), { v: 2 });
    await scheduler.scheduleAt('b2', inSeconds(5), { v: 3 });
    expect(scheduler.pending().map((p) => p.name)).toEqual(['b2', 'b1']);

    await scheduler.cancel('b2');
    await scheduler.cancel('never-made');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(fired).toEqual([{ v: 2 }]);
  });

  it('waits beyond setTimeout’s limit by re-arming', async () => {
    // Real timers fire a longer delay after 1 ms; fake ones do not, so the delays are checked too.
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    const scheduler = new LocalScheduler({ clock, fire });
    await scheduler.scheduleAt('far', new Date(clock.now().getTime() + MAX_TIMER_MS + 60_000), {});
    expect(setTimeoutSpy.mock.calls[0]![1]).toBe(MAX_TIMER_MS);

    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS);
    expect(fired).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(fired).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toHaveLength(1);
    expect(Math.max(...setTimeoutSpy.mock.calls.map((call) => call[1] ?? 0))).toBeLessThanOrEqual(MAX_TIMER_MS);
    setTimeoutSpy.mockRestore();
  });

  it('fireDue runs what a clock moved forward has reached, soonest first', async () => {
    const scheduler = new LocalScheduler({ clock, fire });
    await scheduler.scheduleAt('second', inSeconds(240), { n: 2 });
    await scheduler.scheduleAt('first', inSeconds(120), { n: 1 });
    await scheduler.scheduleAt('later', inSeconds(600), { n: 3 });

    offsetMs = 300_000;
    await scheduler.fireDue();
    expect(fired).toEqual([{ n: 1 }, { n: 2 }]);
    expect(scheduler.pending().map((p) => p.name)).toEqual(['later']);

    await vi.advanceTimersByTimeAsync(600_000);
    expect(fired).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('reports a fire that throws or rejects to onError and keeps going', async () => {
    const errors: Array<[string, unknown]> = [];
    const scheduler = new LocalScheduler({
      clock,
      fire: (payload) => {
        if (payload.sync) throw new Error('sync boom');
        return Promise.reject(new Error('async boom'));
      },
      onError: (err, name) => {
        errors.push([name, (err as Error).message]);
        throw new Error('handler boom');
      },
    });
    await scheduler.scheduleAt('a', inSeconds(1), { sync: true });
    await scheduler.scheduleAt('b', inSeconds(2), {});

    await vi.advanceTimersByTimeAsync(2_000);
    expect(errors).toEqual([
      ['a', 'sync boom'],
      ['b', 'async boom'],
    ]);
  });

  it('a fire can schedule the same name again', async () => {
    let rounds = 0;
    const scheduler: LocalScheduler = new LocalScheduler({
      clock,
      fire: async () => {
        rounds += 1;
        if (rounds < 3) await scheduler.scheduleAt('tick', inSeconds(60), {});
      },
    });
    await scheduler.scheduleAt('tick', inSeconds(60), {});
    await vi.advanceTimersByTimeAsync(600_000);
    expect(rounds).toBe(3);
  });

  it('close drops the pending schedules and arms no new ones; timers are unref’d', async () => {
    const scheduler = new LocalScheduler({ clock, fire });
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    await scheduler.scheduleAt('b1', inSeconds(10), {});
    const timer = setTimeoutSpy.mock.results[0]!.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    setTimeoutSpy.mockRestore();

    scheduler.close();
    await scheduler.scheduleAt('b2', inSeconds(10), {});
    expect(scheduler.pending()).toEqual([]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fired).toEqual([]);
  });

  it('refuses names and times EventBridge Scheduler would refuse', async () => {
    const scheduler = new LocalScheduler({ clock, fire });
    await expect(scheduler.scheduleAt('a/b', inSeconds(10), {})).rejects.toThrow(/schedule name/);
    await expect(scheduler.scheduleAt('x'.repeat(65), inSeconds(10), {})).rejects.toThrow(/schedule name/);
    await expect(scheduler.scheduleAt('ok', new Date(Number.NaN), {})).rejects.toThrow(/invalid time/);
  });
});
