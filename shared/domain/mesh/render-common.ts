import type { MeshService } from './canonical.ts';
import { apiVersionOf, type KubeObject, MANAGED_BY_LABEL, MANAGED_BY_VALUE, MESH_RESOURCES, type MeshKind, SERVICE_LABEL } from './kube-resources.ts';

/** The labels every rendered object carries: pruning and "never touch what hms-sys did not create" read them. */
export function managedLabels(service: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [SERVICE_LABEL]: service };
}

/** A rendered object's envelope: apiVersion and kind from MESH_RESOURCES, the managed labels, and its spec. */
export function envelope(kind: MeshKind, service: MeshService, body: Record<string, unknown>, extraLabels: Record<string, string> = {}): KubeObject {
  const { name, namespace } = service.metadata;
  return {
    apiVersion: apiVersionOf(MESH_RESOURCES[kind]),
    kind,
    metadata: { name, namespace, labels: { ...extraLabels, ...managedLabels(name) } },
    ...body,
  };
}

/**
 * A whole number of milliseconds as an Istio duration: "2s" when it is whole seconds, else "800ms".
 * Istio's CRDs take Go-style durations and require at least 1ms
 * (https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute timeout, #HTTPRetry perTryTimeout).
 */
export function durationOf(ms: number): string {
  const whole = Math.max(1, Math.floor(ms));
  return whole % 1000 === 0 ? `${whole / 1000}s` : `${whole}ms`;
}

/** The smallest defined number, or undefined. */
export function smallest(values: (number | undefined)[]): number | undefined {
  const defined = values.filter((v): v is number => v !== undefined);
  return defined.length === 0 ? undefined : Math.min(...defined);
}

/** Sorted, without repeats: renderings must not depend on the order inputs arrived in. */
export const sortedUnique = (values: Iterable<string>): string[] => [...new Set(values)].sort();
