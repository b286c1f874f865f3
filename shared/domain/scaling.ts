import type { RuleMemory, ScaleChange, ServiceScaling } from './model.ts';

/** How many changes a service keeps; older ones no longer matter to any metric period. */
export const MAX_SCALE_CHANGES = 20;

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

export interface ScalingUpdate {
  ruleId: string;
  memory: RuleMemory;
  change?: ScaleChange;
  /** The HPA's minReplicas before any change; kept from the first time it is seen. */
  hpaMinReplicas?: number;
}

/** The next scaling state: the rule's memory replaced, the change appended and trimmed. */
export function nextScaling(current: ServiceScaling | null, service: string, update: ScalingUpdate): ServiceScaling {
  const baseline = current?.hpaBaselineMin ?? update.hpaMinReplicas;
  const changes = [...(current?.changes ?? []), ...(update.change ? [update.change] : [])];
  return {
    service,
    changes: changes.slice(-MAX_SCALE_CHANGES),
    rules: { ...current?.rules, [update.ruleId]: update.memory },
    ...(baseline === undefined ? {} : { hpaBaselineMin: baseline }),
    version: (current?.version ?? 0) + 1,
  };
}
