/**
 * Pod IPs and the EndpointSlice controller. A pod has an IP once a node holds it, from the pod CIDR
 * 10.244.0.0/14, unique while the simulator runs (from its creation order). Every Service with a
 * selector gets one EndpointSlice (label kubernetes.io/service-name) listing the scheduled pods it
 * selects, each with conditions.ready as the pod is Ready, and the Service's ports resolved to the
 * pods' container ports. https://kubernetes.io/docs/concepts/services-networking/endpoint-slices/
 * The slices are derived on every read; a slice's resourceVersion moves when what it lists does.
 */
import { createHash } from 'node:crypto';
import { field, isObject, type Json } from './request-parsing.ts';
import type { SimPod, SimState } from './state.ts';

/** status.podIP of a scheduled pod; undefined while it is Pending. */
export function podIp(pod: SimPod): string | undefined {
  if (pod.nodeName === undefined) return undefined;
  const n = pod.seq;
  return `10.${244 + ((n >> 16) & 3)}.${(n >> 8) & 255}.${n & 255}`;
}

/** The EndpointSlices of the Services in a namespace (or all), as the controller keeps them now. */
export function derivedSlices(state: SimState, namespace?: string): Json[] {
  const slices: Json[] = [];
  for (const service of state.objects.list('services', namespace)) {
    const selector = field(service, 'spec', 'selector');
    if (!isObject(selector) || Object.keys(selector).length === 0) continue;
    const ns = String(field(service, 'metadata', 'namespace'));
    const serviceName = String(field(service, 'metadata', 'name'));
    const pods = state.podsIn(ns).filter((p) => p.nodeName !== undefined && Object.entries(selector).every(([k, v]) => p.labels[k] === v));
    // A slice with no endpoints is the controller's placeholder, served as `"endpoints": null,
    // "ports": null` by a real API server (https://github.com/kubernetes/kubernetes/issues/135968).
    const body = {
      addressType: 'IPv4',
      endpoints:
        pods.length === 0
          ? null
          : pods.map((p) => ({
              addresses: [podIp(p)],
              conditions: { ready: state.isReady(p), serving: state.isReady(p), terminating: false },
              nodeName: p.nodeName,
              targetRef: { kind: 'Pod', namespace: ns, name: p.name, uid: p.uid },
            })),
      ports: pods.length === 0 ? null : slicePorts(state, service, pods),
    };
    const name = `${serviceName}-${createHash('sha256')
      .update(String(field(service, 'metadata', 'uid')))
      .digest('hex')
      .slice(0, 5)}`;
    const meta = state.objects.derivedMeta(`endpointslices/${ns}/${name}`, JSON.stringify(body), state.timestamp());
    const labels = { 'kubernetes.io/service-name': serviceName, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' };
    const ownerReferences = [
      { apiVersion: 'v1', kind: 'Service', name: serviceName, uid: field(service, 'metadata', 'uid'), controller: true, blockOwnerDeletion: true },
    ];
    slices.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name,
        namespace: ns,
        uid: meta.uid,
        resourceVersion: meta.resourceVersion,
        creationTimestamp: meta.creationTimestamp,
        generation: 1,
        labels,
        ownerReferences,
      },
      ...body,
    });
  }
  return slices;
}

/** The Service's ports with targetPort resolved: a number as is, a name through the first pod's container ports. */
function slicePorts(state: SimState, service: Json, pods: SimPod[]): Json[] {
  const ports = field(service, 'spec', 'ports');
  if (!Array.isArray(ports)) return [];
  const containers = pods.length === 0 ? [] : (state.deployment(pods[0]!.namespace, pods[0]!.deployment)?.containers ?? []);
  return ports.flatMap((p) => {
    const target = field(p, 'targetPort');
    const port = typeof target === 'number' ? target : containers.flatMap((c) => c.ports ?? []).find((cp) => cp.name === target)?.containerPort;
    if (port === undefined) return [];
    return [{ name: field(p, 'name') ?? '', port, protocol: field(p, 'protocol') ?? 'TCP' }];
  });
}
