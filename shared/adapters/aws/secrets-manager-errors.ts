import { DependencyUnavailableError, SecretAccessDeniedError, SecretConflictError, SecretNotFoundError } from '#ports/errors.ts';
import { isServiceFault } from './aws-faults.ts';

/** The AWS SDK exception name (e.g. `ResourceNotFoundException`), or empty for anything else. */
export function errorName(err: unknown): string {
  return err instanceof Error ? err.name : '';
}

/** Sends, translating ResourceNotFoundException, AccessDeniedException, the named conflict errors and service faults into port errors. */
export async function call<T>(what: string, send: () => Promise<T>, conflicts: readonly string[] = []): Promise<T> {
  try {
    return await send();
  } catch (err) {
    const name = errorName(err);
    const detail = err instanceof Error ? err.message : String(err);
    if (name === 'ResourceNotFoundException') throw new SecretNotFoundError(`${what}: ${detail}`, { cause: err });
    if (name === 'AccessDeniedException') throw new SecretAccessDeniedError(`${what}: ${detail}`, { cause: err });
    if (conflicts.includes(name)) throw new SecretConflictError(`${what}: ${detail}`, { cause: err });
    if (isServiceFault(err)) throw new DependencyUnavailableError(`${what}: ${detail}`, { cause: err });
    throw err;
  }
}
