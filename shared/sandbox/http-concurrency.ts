/**
 * The HTTP functions' concurrency, as the deployed stack reserves it. API Gateway invokes a Lambda
 * synchronously and does not retry: when every reserved copy is busy, Lambda refuses the invocation
 * (429 TooManyRequestsException) and API Gateway answers the client 500 with
 * {"message":"Internal Server Error"}, the HTTP API's generic integration error. From
 * https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html: "If the Lambda API
 * rejects the invocation request, API Gateway returns a 500 error code" and "API Gateway does not
 * retry any Lambda invocations"; the HTTP API body is the one quoted in
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-lambda.html.
 * So the sandbox refuses, never queues, a request over the limit.
 */
import type { FunctionDeclaration } from '#domain/triggers.ts';
import * as declared from '#functions/index.ts';
import { concurrencyLimit } from './function-concurrency.ts';

/** The status and body a client gets from the HTTP API for a throttled Lambda. */
export const THROTTLED_STATUS = 500;
export const THROTTLED_BODY = '{"message":"Internal Server Error"}';
/**
 * Sandbox-only header naming the throttled function, so a sandbox user can tell this 500 from a
 * function's own error; AWS sends no such header (its access log's $context.integrationErrorMessage says it).
 */
export const THROTTLED_HEADER = 'x-hms-sandbox-throttled';

export interface HttpFunctionConcurrency {
  limit: number;
  running: number;
  /** Requests refused since the sandbox started because every copy was busy. */
  throttled: number;
}

interface Counter {
  limit: number;
  running: number;
  throttled: number;
  /** Throttles not yet logged, and when the last log line was written. */
  unlogged: number;
  loggedAt: number;
}

/** Per HTTP function: copies running, held to its limit; a request over it is refused at once. */
export class HttpFunctionLimits {
  readonly #counters = new Map<string, Counter>();

  constructor(
    functions: ReadonlyArray<{ name: string; maxInstances?: number }>,
    reservedConcurrency: number | undefined,
    private readonly log: (line: string) => void = (line) => console.warn(line),
    private readonly now: () => number = Date.now,
  ) {
    for (const fn of functions) {
      this.#counters.set(fn.name, { limit: concurrencyLimit(fn, reservedConcurrency), running: 0, throttled: 0, unlogged: 0, loggedAt: -Infinity });
    }
  }

  /** Takes a copy of the function: a release to call when the invocation ends, or null when it is throttled. */
  enter(functionName: string): (() => void) | null {
    const counter = this.#counters.get(functionName);
    if (!counter) throw new Error(`function ${functionName} has no concurrency limit in the sandbox`);
    if (counter.running >= counter.limit) {
      counter.throttled += 1;
      this.#logThrottle(functionName, counter);
      return null;
    }
    counter.running += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      counter.running -= 1;
    };
  }

  /** At most one line a second per function, so a saturating client does not flood the terminal. */
  #logThrottle(functionName: string, counter: Counter): void {
    counter.unlogged += 1;
    if (this.now() - counter.loggedAt < 1_000) return;
    this.log(
      `sandbox: Lambda throttled ${functionName} (all ${counter.limit} reserved copies busy): ${counter.unlogged} request(s) answered ` +
        `${THROTTLED_STATUS} ${THROTTLED_BODY}, as API Gateway answers; raise hms:reservedConcurrency or retry with backoff`,
    );
    counter.unlogged = 0;
    counter.loggedAt = this.now();
  }

  concurrency(): Record<string, HttpFunctionConcurrency> {
    return Object.fromEntries([...this.#counters].map(([name, c]) => [name, { limit: c.limit, running: c.running, throttled: c.throttled }]));
  }
}

/** The declared functions that serve HTTP routes. */
export const httpFunctions = (): FunctionDeclaration[] =>
  (Object.values(declared) as FunctionDeclaration[]).filter((d) => d.triggers.some((t) => t.kind === 'http'));
