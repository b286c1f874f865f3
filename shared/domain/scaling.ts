import type { RuleMemory, ScaleChange, ServiceScaling } from './model.ts';

/** How many changes a service keeps; older ones no longer matter to any metric period. */
export const MAX_SCALE_CHANGES = 20;

/**
 * Replicas the metric saw: the `from` of the first change made less than one period before the
 * datapoint's period began (or later), else the current count. A change is recorded before its
 * write, and its new pods take a while to serve, so for one period it is not yet in the metric.
 * Deciding from this count keeps a late or retried event, a reconcile pass or a second rule
 * from compounding on a change the metric has not seen.
 */
export function replicasWhenObserved(changes: readonly ScaleChange[], periodStart: number, periodSeconds: number, current: number): number {
  const first = changes.find((change) => Date.parse(change.at) > periodStart - periodSeconds * 1000);
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
