/** Order statistics for benchmark samples; medians and percentiles resist a noisy shared machine. */

/** The p-th percentile (0–100) by the nearest-rank method. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new Error('no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export const median = (samples: readonly number[]): number => percentile(samples, 50);

/** Rounds for display and JSON, so results do not carry float noise. */
export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));
