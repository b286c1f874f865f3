import { DependencyUnavailableError } from '#ports/errors.ts';

/** Node's codes for a request that got no answer at all. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

interface SdkErrorTraits {
  name?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $retryable?: { throttling?: boolean };
}

/**
 * Whether an AWS SDK v3 error means the service, not the request, failed: a server fault
 * (`$fault: 'server'`), throttling (`$retryable.throttling`, or a throttling error name), a
 * timeout or a connection that failed. The SDK has already retried these by then.
 * https://aws.amazon.com/blogs/developer/service-error-handling-modular-aws-sdk-js/
 */
export function isServiceFault(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const traits = err as Error & SdkErrorTraits;
  if (traits.$fault === 'server' || traits.$retryable?.throttling) return true;
  if (['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded', 'TimeoutError'].includes(traits.name ?? '')) return true;
  return NETWORK_CODES.has(traits.code ?? '');
}

/** Sends one AWS call, turning a service fault into the port's DependencyUnavailableError; anything else (a bug, a refusal) goes on as it is. */
export async function sendToAws<T>(what: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    if (isServiceFault(err)) throw new DependencyUnavailableError(`${what} failed: ${(err as Error).message}`, { cause: err });
    throw err;
  }
}
