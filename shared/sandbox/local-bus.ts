import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { EventPattern, FunctionDeclaration } from '#domain/triggers.ts';
import type { DeadLetter } from '#ports/dead-letter.ts';
import { matchesPattern } from './event-pattern.ts';
import { ConcurrencySlots, concurrencyLimit, FIRST_THROTTLE_RETRY_MS, type FunctionConcurrency, stackReservedConcurrency } from './function-concurrency.ts';

export type LocalHandler = (event: never, context: Context) => Promise<unknown>;

export interface Invocation {
  functionName: string;
  event: unknown;
  result?: unknown;
  error?: string;
  attempts: number;
}

/** A Lambda context good enough for handlers that read the request id, name and remaining time. */
export function lambdaContext(functionName: string, timeoutSeconds = 30): Context {
  const requestId = randomUUID();
  const deadline = Date.now() + timeoutSeconds * 1000;
  return {
    awsRequestId: requestId,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'sandbox',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export interface LocalBusOptions {
  /** Pause between attempts after a function error (Lambda waits 1 and 2 minutes; shorter here). */
  retryDelayMs?: number;
  /** hms:reservedConcurrency: copies per function without a declared maxInstances; undefined reserves none. Read from cdk.json when absent. */
  reservedConcurrency?: number | undefined;
  /** How long a throttled event waits before it may start (Lambda's first retry: 1 s). */
  throttleRetryMs?: number;
}

interface Subscription {
  functionName: string;
  pattern: EventPattern;
  handler: LocalHandler;
}

/**
 * The sandbox's EventBridge: routes events to functions by the patterns in their triggers.ts,
 * invokes them asynchronously with Lambda's two retries, and parks what still fails. Each function
 * runs at most as many copies at once as the stack reserves for it; the rest wait in its queue
 * (function-concurrency.ts), as Lambda's asynchronous invocation queue holds throttled events.
 */
export class LocalBus {
  private readonly subscriptions: Subscription[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly timeouts = new Map<string, number>();
  private readonly slots = new Map<string, ConcurrencySlots>();
  private readonly retryDelayMs: number;
  /** hms:reservedConcurrency as this sandbox applies it; the HTTP functions are held to it too (http-concurrency.ts). */
  readonly reservedConcurrency: number | undefined;
  private readonly throttleRetryMs: number;
  readonly invocations: Invocation[] = [];

  constructor(
    private readonly deadLetter: DeadLetter,
    options: LocalBusOptions = {},
  ) {
    this.retryDelayMs = options.retryDelayMs ?? 200;
    this.reservedConcurrency = 'reservedConcurrency' in options ? options.reservedConcurrency : stackReservedConcurrency();
    this.throttleRetryMs = options.throttleRetryMs ?? FIRST_THROTTLE_RETRY_MS;
  }

  /** Subscribes and schedules a function from its declarations; HTTP routes are served elsewhere. */
  register(declaration: FunctionDeclaration, handler: LocalHandler, scheduleScale = 1): void {
    this.timeouts.set(declaration.name, declaration.timeoutSeconds);
    this.slots.set(declaration.name, new ConcurrencySlots(concurrencyLimit(declaration, this.reservedConcurrency), this.throttleRetryMs));
    for (const trigger of declaration.triggers) {
      if (trigger.kind === 'event') this.subscriptions.push({ functionName: declaration.name, pattern: trigger.pattern, handler });
      if (trigger.kind === 'schedule') {
        const everyMs = trigger.rateMinutes * 60_000 * scheduleScale;
        const timer = setInterval(() => void this.invoke(declaration.name, handler, scheduledEvent(trigger.id)), everyMs);
        timer.unref();
        this.timers.push(timer);
      }
    }
  }

  /** Delivers an event to every matching function; resolves when all deliveries finished. */
  async publish(event: unknown): Promise<Invocation[]> {
    const deliveries = this.subscriptions.filter((s) => matchesPattern(s.pattern, event)).map((s) => this.invoke(s.functionName, s.handler, event));
    return Promise.all(deliveries);
  }

  async invoke(functionName: string, handler: LocalHandler, event: unknown): Promise<Invocation> {
    const run = this.invokeWithRetries(functionName, handler, event);
    this.inFlight.add(run);
    try {
      return await run;
    } finally {
      this.inFlight.delete(run);
    }
  }

  private async invokeWithRetries(functionName: string, handler: LocalHandler, event: unknown): Promise<Invocation> {
    const invocation: Invocation = { functionName, event, attempts: 0 };
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      invocation.attempts = attempt;
      // Each attempt takes a copy of its own; between attempts the copy is free for other events.
      let release: (() => void) | undefined;
      try {
        release = await this.slotsFor(functionName).acquire();
        invocation.result = await handler(event as never, lambdaContext(functionName, this.timeouts.get(functionName)));
        delete invocation.error;
        break;
      } catch (err) {
        invocation.error = `${(err as Error).name}: ${(err as Error).message}`;
        // An event discarded from the queue for its age is not retried (MaximumEventAgeInSeconds).
        if (!release) break;
        if (attempt < 3) {
          release();
          release = undefined;
          await new Promise((r) => setTimeout(r, this.retryDelayMs * attempt));
        }
      } finally {
        release?.();
      }
    }
    if (invocation.error) {
      await this.deadLetter.park({ source: `lambda/${functionName}`, reason: invocation.error, payload: event });
    }
    this.invocations.push(invocation);
    if (this.invocations.length > 1000) this.invocations.shift();
    return invocation;
  }

  /** Per registered function: its limit, the copies running and the events waiting in its queue. */
  concurrency(): Record<string, FunctionConcurrency> {
    return Object.fromEntries([...this.slots].map(([name, slots]) => [name, { limit: slots.limit, running: slots.running, queued: slots.queued }]));
  }

  private slotsFor(functionName: string): ConcurrencySlots {
    const slots = this.slots.get(functionName);
    if (!slots) throw new Error(`function ${functionName} is not registered on the local bus`);
    return slots;
  }

  /** Counts `work` (e.g. a chain of invocations) as under way until it ends, so drain() waits for it. */
  track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    work.then(
      () => this.inFlight.delete(work),
      () => this.inFlight.delete(work),
    );
    return work;
  }

  /** Waits for every delivery under way, for tests and a clean shutdown. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  close(): void {
    for (const timer of this.timers) clearInterval(timer);
  }
}

function scheduledEvent(ruleId: string) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: new Date().toISOString(),
    region: 'local',
    resources: [`arn:aws:events:local:000000000000:rule/${ruleId}`],
    detail: {},
  };
}
