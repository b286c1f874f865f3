import type { Clock } from '#ports/clock.ts';
import type { OneShotScheduler } from '#ports/scheduler.ts';

export interface LocalSchedulerOptions {
  /** Sandbox time: delays are worked out from its now(), which may run ahead of the wall clock. */
  clock: Clock;
  /** What a schedule invokes when it comes due; the burst runner in the sandbox. */
  fire: (payload: Record<string, unknown>) => Promise<unknown> | void;
  /** Hears about a fire that threw; without it the error goes to stderr. */
  onError?: (err: unknown, name: string) => void;
}

export interface PendingSchedule {
  name: string;
  at: Date;
}

interface Entry {
  at: Date;
  payload: Record<string, unknown>;
  timer: NodeJS.Timeout | undefined;
}

/** setTimeout's largest delay; a longer wait is served in steps of this. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const NAME = /^[0-9A-Za-z_.-]{1,64}$/;

/**
 * The sandbox's EventBridge Scheduler: one timer per name, which fires once and is gone,
 * like a schedule with ActionAfterCompletion DELETE. Timers are unref'd, so a pending
 * schedule never holds the process open.
 */
export class LocalScheduler implements OneShotScheduler {
  readonly #options: LocalSchedulerOptions;
  readonly #entries = new Map<string, Entry>();
  #closed = false;

  constructor(options: LocalSchedulerOptions) {
    this.#options = options;
  }

  /** Replaces any schedule of the same name. After close() nothing is armed any more. */
  async scheduleAt(name: string, at: Date, payload: Record<string, unknown>): Promise<void> {
    if (!NAME.test(name)) throw new Error(`schedule name ${JSON.stringify(name)} must be 1-64 of [0-9A-Za-z_.-]`);
    if (Number.isNaN(at.getTime())) throw new Error(`schedule ${name} has an invalid time`);
    if (this.#closed) return;
    this.#clear(name);
    const entry: Entry = { at: new Date(at.getTime()), payload, timer: undefined };
    this.#entries.set(name, entry);
    this.#arm(name, entry);
  }

  async cancel(name: string): Promise<void> {
    this.#clear(name);
  }

  /** The schedules still to fire, soonest first. */
  pending(): PendingSchedule[] {
    return [...this.#entries].map(([name, entry]) => ({ name, at: new Date(entry.at.getTime()) })).sort((a, b) => a.at.getTime() - b.at.getTime());
  }

  /**
   * Fires, soonest first, every schedule the clock has reached: for a sandbox that moved its
   * clock forward, whose timers were set by the old time. Resolves when those fires have run.
   */
  async fireDue(): Promise<void> {
    const now = this.#options.clock.now().getTime();
    for (const { name, at } of this.pending()) {
      if (at.getTime() > now) break;
      await this.#fire(name);
    }
  }

  /** Drops every pending schedule and refuses new ones. */
  close(): void {
    this.#closed = true;
    for (const name of [...this.#entries.keys()]) this.#clear(name);
  }

  /** Waits in steps of at most MAX_TIMER_MS, checking the clock each time it wakes. */
  #arm(name: string, entry: Entry): void {
    const delay = Math.max(0, entry.at.getTime() - this.#options.clock.now().getTime());
    const wake =
      delay > MAX_TIMER_MS ? () => this.#arm(name, entry) : () => (this.#options.clock.now() < entry.at ? this.#arm(name, entry) : void this.#fire(name));
    entry.timer = setTimeout(
      () => {
        if (this.#entries.get(name) === entry) wake();
      },
      Math.min(delay, MAX_TIMER_MS),
    );
    entry.timer.unref();
  }

  /** Removes the entry before invoking, so a fire that schedules the same name again keeps it. */
  async #fire(name: string): Promise<void> {
    const entry = this.#entries.get(name);
    if (!entry) return;
    this.#clear(name);
    try {
      await this.#options.fire(entry.payload);
    } catch (err) {
      this.#report(err, name);
    }
  }

  #report(err: unknown, name: string): void {
    try {
      if (this.#options.onError) this.#options.onError(err, name);
      else console.error(`local schedule ${name} failed`, err);
    } catch {
      // An error handler that throws must not become an unhandled rejection either.
    }
  }

  #clear(name: string): void {
    const entry = this.#entries.get(name);
    if (entry?.timer) clearTimeout(entry.timer);
    this.#entries.delete(name);
  }
}
