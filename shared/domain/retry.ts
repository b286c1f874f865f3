/** Exponential backoff with full jitter: delay n is random in [0, min(cap, base * 2^n)). */
export interface BackoffPolicy {
  attempts: number;
  baseMs: number;
  capMs: number;
}

export const defaultBackoff: BackoffPolicy = { attempts: 5, baseMs: 50, capMs: 2_000 };

export function backoffDelay(policy: BackoffPolicy, attempt: number, random: number): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** attempt);
  return Math.floor(random * ceiling);
}
