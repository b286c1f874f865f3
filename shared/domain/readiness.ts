/**
 * Sizing from Ready pods, as the HPA's replica calculator does
 * (https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#algorithm-details).
 *
 * A rule's metric is a per-pod figure (the Average statistic by default) that only pods serving
 * traffic report, so it describes the Ready pods. Pods that are not Ready (starting, Pending, in a
 * rollout) or missing report nothing: in the HPA's terms their metric is missing. The HPA then
 * re-averages conservatively, counting them at 0% of the target when the Ready pods ask for a
 * scale-up and at 100% when they ask for a scale-down, and changes nothing when that re-averaged
 * ratio falls within the tolerance or points the other way.
 */

/**
 * How many of the replicas the metric saw are Ready, from today's counts. Pods added since the
 * metric's period are the ones still starting; pods removed since were serving when it was
 * measured. Today's not-Ready pods beyond the ones added since are counted against the seen ones.
 */
export function readyAmongObserved(observed: number, current: number, ready: number): number {
  const notReady = Math.max(0, current - ready);
  const notReadyOfSeen = Math.max(0, notReady - Math.max(0, current - observed));
  return observed - Math.min(observed, notReadyOfSeen);
}

export interface ReadySizing {
  desired: number;
  reasons: string[];
}

/**
 * The HPA's usage ratio: metric and target as whole milli-units, as Kubernetes quantities hold
 * them, then one floating-point division; the replica calculator then takes ceil(ratio × pods).
 * So 100 pods at 5.55 against 5 want 112 (1.11 × 100 is 111.00000000000001 in float64), as on a
 * real cluster (https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#algorithm-details).
 */
export function usageRatio(metric: number, threshold: number): number {
  const usage = Math.round(metric * 1000);
  const target = Math.round(threshold * 1000);
  // Beyond whole milli-units (a threshold under 0.0005, or values past 2^53) the plain ratio serves.
  const whole = target > 0 && Number.isSafeInteger(usage) && Number.isSafeInteger(target);
  return whole ? usage / target : metric / threshold;
}

/**
 * Desired replicas for `pods` pods of which `ready` are Ready, given the metric the Ready pods
 * report against its threshold. Assumes the ratio is already outside the tolerance. With every
 * pod Ready this is ceil(pods × metric / threshold); with none it is pods (nothing to size from).
 */
export function sizeFromReadyPods(pods: number, ready: number, metric: number, threshold: number, tolerance: number): ReadySizing {
  const base = Math.max(pods, 1);
  const ratio = metric / threshold;
  const readyPods = Math.min(Math.max(ready, 0), pods);
  if (pods === 0 || readyPods === pods) {
    const desired = Math.ceil(usageRatio(metric, threshold) * base);
    return { desired, reasons: [`${metric} against threshold ${threshold}: ceil(${base} × ${metric} / ${threshold}) = ${desired}`] };
  }
  const others = pods - readyPods;
  const scaleUp = ratio > 1;
  const counted = scaleUp ? 0 : 1;
  const adjusted = (readyPods * ratio + others * counted) / pods;
  const share = scaleUp ? '0% of the threshold for a scale-up' : '100% of the threshold for a scale-down';
  const reasons = [
    `${metric} against threshold ${threshold} from the Ready pods: ${readyPods} of ${pods} pods Ready; the ${others} not Ready counted at ${share}`,
  ];
  const reverses = scaleUp ? adjusted < 1 : adjusted > 1;
  if (Math.abs(adjusted - 1) <= tolerance || reverses) {
    reasons.push(`the adjusted ratio ${round(adjusted)} ${reverses ? 'points the other way' : `is within ${tolerance * 100}% of 1`}: no change from ${pods}`);
    return { desired: pods, reasons };
  }
  // ceil(pods × adjusted), summed before dividing so that whole counts stay whole.
  let desired = Math.ceil((readyPods * metric + others * counted * threshold) / threshold);
  // Floating-point error must not push the count against the ratio's direction.
  if ((scaleUp && desired < pods) || (!scaleUp && desired > pods)) desired = pods;
  reasons.push(`ceil(${pods} × ${round(adjusted)}) = ${desired}`);
  return { desired, reasons };
}

const round = (n: number) => Math.round(n * 1000) / 1000;
