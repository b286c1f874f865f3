/** A failed API call, carrying the API's own error body. */
export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly attempts = 1,
  ) {
    const detail = (body as { error?: { code?: string; message?: string; field?: string | null } })?.error;
    const base = detail ? `${status} ${detail.code}: ${detail.message}${detail.field ? ` (field: ${detail.field})` : ''}` : `HTTP ${status}`;
    super(attempts > 1 ? `${base}; the API was still throttling after ${attempts} attempts with backoff (${throttleHint(status, body)})` : base);
    this.name = 'ApiCallError';
  }
}

export interface ApiClient {
  /** With a contentType, `body` is a file's text sent as it is (a mesh manifest); otherwise it is sent as JSON. */
  call(method: string, path: string, body?: unknown, contentType?: string): Promise<unknown>;
}

/** How a throttled call is retried: attempts in all, and the backoff's first ceiling and cap. */
export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/**
 * Whether an answer is a throttle worth retrying: API Gateway's 429 (its own rate limit), 503, or
 * the HTTP API's bare 500 {"message":"Internal Server Error"}, which is what a client gets when
 * Lambda refuses the invocation because the function's reserved concurrency is in use; the function
 * never ran, so the call is safe to repeat
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html). A 500 in the API's
 * own error shape is a function error and is not retried.
 */
export function isThrottled(status: number, body: unknown): boolean {
  if (status === 429 || status === 503) return true;
  return status === 500 && (body as { message?: unknown } | null)?.message === 'Internal Server Error' && Object.keys(body as object).length === 1;
}

function throttleHint(status: number, body: unknown): string {
  if (status === 500 && isThrottled(status, body))
    return 'a 500 with no error code is how API Gateway answers a throttled Lambda: every reserved copy of the function was busy';
  return status === 429 ? 'API Gateway rate limit' : 'service unavailable';
}

/** Full jitter: a random wait up to min(cap, base × 2^retry). */
export const backoffDelayMs = (retry: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs' | 'random'>): number =>
  Math.floor(policy.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry));

export interface Answer {
  status: number;
  body: unknown;
  /** Attempts made, the last included. */
  attempts: number;
  /** Throttled answers received on the way. */
  throttled: number;
}

/** Sends until the answer is not a throttle or the attempts run out; the last answer is returned either way. */
export async function sendWithRetries(send: () => Promise<{ status: number; body: unknown }>, policy: RetryPolicy = DEFAULT_RETRY): Promise<Answer> {
  let throttled = 0;
  for (let attempt = 1; ; attempt += 1) {
    const answer = await send();
    if (!isThrottled(answer.status, answer.body)) return { ...answer, attempts: attempt, throttled };
    throttled += 1;
    if (attempt >= policy.attempts) return { ...answer, attempts: attempt, throttled };
    await policy.sleep(backoffDelayMs(attempt - 1, policy));
  }
}

const parse = (text: string): unknown => {
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};

export function apiClient(baseUrl: string, token: string, retry: RetryPolicy = DEFAULT_RETRY): ApiClient {
  return {
    async call(method, path, body, contentType) {
      const send = async () => {
        let response: Response;
        try {
          response = await fetch(new URL(path, baseUrl), {
            method,
            headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': contentType ?? 'application/json' }) },
            ...(body === undefined ? {} : { body: contentType ? String(body) : JSON.stringify(body) }),
          });
        } catch (err) {
          throw new Error(`cannot reach ${baseUrl}: ${(err as Error).message}. Is the sandbox running (npm start)?`);
        }
        return { status: response.status, body: parse(await response.text()) };
      };
      const answer = await sendWithRetries(send, retry);
      if (answer.status < 200 || answer.status > 299)
        throw new ApiCallError(answer.status, answer.body, answer.throttled === answer.attempts ? answer.attempts : 1);
      return answer.body;
    },
  };
}
