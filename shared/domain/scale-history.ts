import type { ScaleChange, ScaleHistory } from './model.ts';

/** How many changes a history keeps; older ones no longer matter to any metric period. */
export const MAX_SCALE_CHANGES = 50;

/**
 * Replicas running when a metric was observed: the `from` of the first change made after
 * that moment, or the current count when nothing changed since. Deciding from this count
 * keeps a late event, a retried event or a second rule from compounding on a change the
 * metric has not seen yet.
 */
export function replicasWhenObserved(changes: readonly ScaleChange[], observedAt: number, current: number): number {
  const first = changes.find((change) => Date.parse(change.at) > observedAt);
  return first ? first.from : current;
}

/** The history with one more change, trimmed to the newest MAX_SCALE_CHANGES. */
export function withChange(history: ScaleHistory | null, service: string, change: ScaleChange, hpaBaselineMin?: number): ScaleHistory {
  const baseline = history?.hpaBaselineMin ?? hpaBaselineMin;
  return {
    service,
    changes: [...(history?.changes ?? []), change].slice(-MAX_SCALE_CHANGES),
    ...(baseline === undefined ? {} : { hpaBaselineMin: baseline }),
    version: (history?.version ?? 0) + 1,
  };
}
