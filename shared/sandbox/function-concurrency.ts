/**
 * Each local function's concurrency, as the deployed stack reserves it, and Lambda's asynchronous
 * event queue for what is over it. From
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html: "If the
 * function doesn't have enough concurrency available to process all events, additional requests
 * are throttled. For throttling errors (429) ... Lambda returns the event to the queue and attempts
 * to run the function again for up to 6 hours by default. The retry interval increases
 * exponentially from 1 second after the first attempt". So a throttled event is neither lost nor
 * dead-lettered for being throttled; it waits. The sandbox runs queued events in arrival order as
 * copies free up, each no sooner than the first retry interval after it was throttled. Lambda's
 * later retries back off further (to 5 minutes) and slow down when the queue is long; the sandbox
 * does not model that, so its drain time for a burst is a lower bound on AWS's.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readReservedConcurrency, reservedExecutions } from '#infra/config.ts';
import { REPO_ROOT } from '#infra/lambda-bundling.ts';

/** MaximumEventAgeInSeconds' default: an event queued this long is discarded (to the dead letters). */
export const MAX_EVENT_AGE_MS = 6 * 60 * 60 * 1000;
/** The first retry of a throttled event comes 1 s after the attempt. */
export const FIRST_THROTTLE_RETRY_MS = 1_000;

/**
 * A function that reserves nothing shares the account's pool, 1,000 concurrent executions per
 * Region by default (https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html).
 */
export const ACCOUNT_CONCURRENCY = 1_000;

/** hms:reservedConcurrency as the stack reads it from cdk.json: 5 when absent, undefined for none. */
export function stackReservedConcurrency(cdkJson = `${REPO_ROOT}cdk.json`): number | undefined {
  const context = existsSync(cdkJson) ? (JSON.parse(readFileSync(cdkJson, 'utf8')) as { context?: Record<string, unknown> }).context : undefined;
  return readReservedConcurrency(context?.['hms:reservedConcurrency']);
}

/** How many copies of the function may run at once, as the stack reserves them. */
export const concurrencyLimit = (declaration: { maxInstances?: number }, reservedConcurrency: number | undefined): number =>
  reservedExecutions(declaration, reservedConcurrency) ?? ACCOUNT_CONCURRENCY;

export interface FunctionConcurrency {
  /** At most this many copies run at once. */
  limit: number;
  running: number;
  /** Events waiting in the function's queue for a free copy. */
  queued: number;
}

/** Thrown to an event that waited in the queue past MAX_EVENT_AGE_MS, as Lambda discards it. */
export class EventAgeExceeded extends Error {
  override readonly name = 'EventAgeExceeded';
}

interface Waiter {
  queuedAt: number;
  start: () => void;
  discard: (err: Error) => void;
}

/** One function's copies: a count of those running and a FIFO queue of throttled events. */
export class ConcurrencySlots {
  running = 0;
  readonly #queue: Waiter[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly limit: number,
    private readonly throttleRetryMs: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`a function's concurrency must be a whole number ≥ 1, got ${limit}`);
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** Resolves when a copy is free for this event (at once when one is and nothing waits); release it after. */
  acquire(): Promise<() => void> {
    const release = () => {
      this.running -= 1;
      this.#pump();
    };
    if (this.running < this.limit && this.#queue.length === 0) {
      this.running += 1;
      return Promise.resolve(release);
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ queuedAt: this.now(), start: () => resolve(release), discard: reject });
      this.#pump();
    });
  }

  #pump(): void {
    const now = this.now();
    while (this.#queue.length > 0 && now - this.#queue[0]!.queuedAt > MAX_EVENT_AGE_MS) {
      this.#queue.shift()!.discard(new EventAgeExceeded(`the event waited over ${MAX_EVENT_AGE_MS / 3_600_000} h in the asynchronous queue`));
    }
    while (this.running < this.limit && this.#queue.length > 0) {
      const head = this.#queue[0]!;
      const retryAt = head.queuedAt + this.throttleRetryMs;
      if (retryAt > now) {
        this.#wake(retryAt - now);
        return;
      }
      this.#queue.shift();
      this.running += 1;
      head.start();
    }
  }

  #wake(afterMs: number): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#pump();
    }, afterMs);
  }
}
