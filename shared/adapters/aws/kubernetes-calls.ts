/**
 * What each Kubernetes adapter method asks of the API server, as RBAC sees it: a verb on a
 * resource (and subresource) of an API group, in a scope. Each adapter module exports its table;
 * a test runs every method against the simulator and checks the table against the requests it
 * sent, and the RBAC test derives each controller group's permissions from these tables.
 */

/**
 * Where a call goes: the workload's namespace, the placeholders' namespace, Istio's own namespace
 * (istio-system; no adapter calls there today), or the whole cluster.
 */
export type KubeCallScope = 'workload-namespace' | 'placeholder-namespace' | 'istio-namespace' | 'cluster';

export interface KubeCall {
  readonly verb: 'get' | 'list' | 'create' | 'patch' | 'delete';
  /** The API group; '' is the core group. */
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly scope: KubeCallScope;
  /** Only these objects by name (RBAC resourceNames); absent: any object of the resource. */
  readonly resourceNames?: readonly string[];
}

export const kubeCall = (verb: KubeCall['verb'], group: string, resource: string, scope: KubeCallScope, subresource?: string): KubeCall =>
  Object.freeze({ verb, group, resource, scope, ...(subresource === undefined ? {} : { subresource }) });
