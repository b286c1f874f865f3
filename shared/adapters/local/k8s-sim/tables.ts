/**
 * Lists and objects as Tables, the server-side `kubectl get` representation a client asks for with
 * `Accept: application/json;as=Table;g=meta.k8s.io;v=v1`. Each row carries the display cells and,
 * by `includeObject`, the object's metadata only (the default, PartialObjectMetadata), the whole
 * object (Object), or nothing (None).
 * https://kubernetes.io/docs/reference/using-api/api-concepts/#receiving-resources-as-tables
 * Columns and cells follow the API server's printers (pkg/printers/internalversion/printers.go):
 * the same names, types and priorities, so `kubectl get` prints what it prints on a real cluster.
 */
import { podIp } from './endpoint-slices.ts';
import { metadataLabelsOf } from './objects.ts';
import { NODE_INFO, renderDeployment, renderHpa, renderNode, renderPod } from './render.ts';
import { type Json, type SimRequest, SimStatusError } from './request-parsing.ts';
import type { SimDeployment, SimHpa, SimNode, SimPod, SimState } from './state.ts';

export type TableVersion = 'v1' | 'v1beta1';

/** The Table version the Accept header asks for, or null when it asks for the plain object or list. */
export function tableVersion(req: SimRequest): TableVersion | null {
  const offers = (req.accept ?? 'application/json').split(',').map((offer) => {
    const [type = '', ...params] = offer.split(';').map((part) => part.trim());
    return { type, params: Object.fromEntries(params.map((p) => p.split('=').map((s) => s.trim()) as [string, string])) };
  });
  for (const { type, params } of offers) {
    if (type !== 'application/json' && type !== '*/*') continue;
    if (params.as === undefined) return null;
    if (params.as === 'Table' && params.g === 'meta.k8s.io' && (params.v === 'v1' || params.v === 'v1beta1')) return params.v;
  }
  throw new SimStatusError(406, 'NotAcceptable', `only the following media types are accepted: application/json, application/json;as=Table;g=meta.k8s.io;v=v1`);
}

export type Column = readonly [name: string, priority: 0 | 1, description: string];
type Cell = string | number | null;

export interface Printer<T> {
  columns: readonly Column[];
  cells(state: SimState, object: T): Cell[];
  render(state: SimState, object: T): Json;
}

const NAME: Column = ['Name', 0, 'Name must be unique within a namespace.'];
const AGE: Column = ['Age', 0, 'CreationTimestamp is a timestamp representing the server time when this object was created.'];

export const deploymentPrinter: Printer<SimDeployment> = {
  columns: [
    NAME,
    ['Ready', 0, 'Number of the pod with ready state'],
    ['Up-to-date', 0, 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'],
    ['Available', 0, 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'],
    AGE,
    ['Containers', 1, 'Names of each container in the template.'],
    ['Images', 1, 'Images referenced by each container in the template.'],
    ['Selector', 1, 'Label selector for pods.'],
  ],
  cells: (state, d) => {
    const ready = state.readyCount(d);
    return [
      d.name,
      `${ready}/${d.replicas}`,
      state.updatedCount(d),
      ready,
      age(d.creationTimestamp),
      d.containers.map((c) => c.name).join(','),
      d.containers.map((c) => c.image).join(','),
      Object.entries(metadataLabelsOf(d))
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    ];
  },
  render: renderDeployment,
};

export const hpaPrinter: Printer<SimHpa> = {
  columns: [
    NAME,
    [
      'Reference',
      0,
      'reference to scaled resource; horizontal pod autoscaler will learn the current resource consumption and will set the desired number of pods by using its Scale subresource.',
    ],
    ['Targets', 0, 'metrics contains the specifications for which to use to calculate the desired replica count.'],
    ['MinPods', 0, 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.'],
    ['MaxPods', 0, 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.'],
    ['Replicas', 0, 'currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.'],
    AGE,
  ],
  // The simulator has no metrics server: the current value is <unknown>, as kubectl shows it before the first sample.
  cells: (state, h) => [
    h.name,
    `Deployment/${h.deployment}`,
    'cpu: <unknown>/70%',
    h.minReplicas,
    h.maxReplicas,
    state.deployment(h.namespace, h.deployment)?.replicas ?? 0,
    age(h.creationTimestamp),
  ],
  render: renderHpa,
};

export const podPrinter: Printer<SimPod> = {
  columns: [
    NAME,
    ['Ready', 0, 'The aggregate readiness state of this pod for accepting traffic.'],
    ['Status', 0, 'The aggregate status of the containers in this pod.'],
    ['Restarts', 0, 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'],
    AGE,
    ['IP', 1, 'podIP address allocated to the pod.'],
    ['Node', 1, 'NodeName indicates in which node this pod is scheduled.'],
    ['Nominated Node', 1, 'nominatedNodeName is set only when this pod preempts other pods on the node.'],
    ['Readiness Gates', 1, 'If specified, all readiness gates will be evaluated for pod readiness.'],
  ],
  cells: (state, pod) => {
    const containers = state.deployment(pod.namespace, pod.deployment)?.containers.length || 1;
    return [
      pod.name,
      `${state.isReady(pod) ? containers : 0}/${containers}`,
      pod.nodeName === undefined ? 'Pending' : 'Running',
      '0',
      age(pod.creationTimestamp),
      podIp(pod) ?? '<none>',
      pod.nodeName ?? '<none>',
      '<none>',
      '<none>',
    ];
  },
  render: renderPod,
};

export const nodePrinter: Printer<SimNode> = {
  columns: [
    NAME,
    ['Status', 0, 'The status of the node'],
    ['Roles', 0, 'The roles of the node'],
    AGE,
    ['Version', 0, 'Kubelet Version reported by the node.'],
    ['Internal-IP', 1, 'List of addresses reachable to the node.'],
    ['External-IP', 1, 'List of addresses reachable to the node.'],
    ['OS-Image', 1, 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).'],
    ['Kernel-Version', 1, "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."],
    ['Container-Runtime', 1, 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).'],
  ],
  cells: (state, n) => [
    n.name,
    state.isNodeReady(n) ? 'Ready' : 'NotReady',
    '<none>',
    age(n.creationTimestamp),
    NODE_INFO.kubeletVersion,
    '<none>',
    '<none>',
    NODE_INFO.osImage,
    NODE_INFO.kernelVersion,
    NODE_INFO.containerRuntimeVersion,
  ],
  render: (state, n) => renderNode(state, n),
};

/** A Table of the objects, with rows as includeObject asks. */
export function renderTable<T>(
  state: SimState,
  req: SimRequest,
  version: TableVersion,
  printer: Printer<T>,
  objects: readonly T[],
  continueToken?: string,
): Json {
  const include = req.query.get('includeObject') ?? 'Metadata';
  if (!['None', 'Metadata', 'Object'].includes(include)) {
    throw new SimStatusError(400, 'BadRequest', `includeObject must be one of None, Metadata, Object`);
  }
  const rows = objects.map((object) => {
    const cells = printer.cells(state, object);
    if (include === 'None') return { cells };
    const rendered = printer.render(state, object);
    const shown = include === 'Object' ? rendered : { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: rendered.metadata };
    return { cells, object: shown };
  });
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${version}`,
    metadata: { resourceVersion: state.resourceVersion, continue: continueToken },
    columnDefinitions: printer.columns.map(([name, priority, description]) => ({
      name,
      type: 'string',
      format: name === 'Name' ? 'name' : '',
      description,
      priority,
    })),
    rows,
  };
}

/** The pod Table (kept for the product's row counts). */
export function renderPodTable(state: SimState, req: SimRequest, version: TableVersion, pods: SimPod[], continueToken?: string): Json {
  return renderTable(state, req, version, podPrinter, pods, continueToken);
}

/** Age as kubectl shows it (apimachinery's HumanDuration, to its first two units). */
export function age(created: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.floor((now - Date.parse(created)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  return days < 8 && hours % 24 !== 0 ? `${days}d${hours % 24}h` : `${days}d`;
}
