import { type BackoffPolicy, backoffDelay } from '#domain/retry.ts';

export interface RetryOptions {
  /** policy.attempts is the total number of tries, the first one included. */
  policy: BackoffPolicy;
  isRetryable: (err: unknown) => boolean;
  /** A delay the server asked for (e.g. Retry-After), used instead of the jittered one, capped at policy.capMs. */
  requestedDelayMs?: (err: unknown) => number | undefined;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

export const sleepFor = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs operation(attempt) until it succeeds, fails with a non-retryable error, or the
 * policy's attempts are spent; then the last error is thrown as it was.
 * Attempts are numbered from 0; the wait after attempt n is backoffDelay(policy, n, random()).
 */
export async function withRetry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { policy, isRetryable, requestedDelayMs, onRetry } = options;
  const sleep = options.sleep ?? sleepFor;
  const random = options.random ?? Math.random;
  const attempts = Math.max(1, policy.attempts);

  for (let attempt = 0; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (err) {
      if (attempt + 1 >= attempts || !isRetryable(err)) throw err;
      const requested = requestedDelayMs?.(err);
      const delayMs = requested === undefined ? backoffDelay(policy, attempt, random()) : Math.min(policy.capMs, Math.max(0, requested));
      onRetry?.(err, attempt, delayMs);
      await sleep(delayMs);
    }
  }
}
