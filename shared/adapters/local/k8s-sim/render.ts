import { podIp } from './endpoint-slices.ts';
import { metadataLabelsOf, selectorOf } from './objects.ts';
import { rollingBounds } from './rollout.ts';
import type { SimContainer, SimDeployment, SimHpa, SimMeta, SimNode, SimPod, SimPriorityClass, SimState } from './state.ts';

/** Kubernetes JSON for the simulator's objects, in the shapes the real API server returns. */

type Json = Record<string, unknown>;

function metadata(meta: SimMeta, extra: Json = {}): Json {
  return {
    name: meta.name,
    namespace: meta.namespace,
    uid: meta.uid,
    resourceVersion: meta.resourceVersion,
    creationTimestamp: meta.creationTimestamp,
    ...extra,
  };
}

/** Keys with an undefined value are dropped by JSON.stringify, as the API omits zero-valued status fields. */
const unlessZero = (n: number) => (n === 0 ? undefined : n);

export function renderDeployment(state: SimState, d: SimDeployment): Json {
  const pods = state.podCount(d);
  const ready = state.readyCount(d);
  const annotations = Object.keys(d.templateAnnotations).length === 0 ? undefined : { ...d.templateAnnotations };
  const ownAnnotations = Object.keys(d.annotations ?? {}).length === 0 ? undefined : { ...d.annotations };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(d, { generation: d.generation, labels: { ...metadataLabelsOf(d) }, annotations: ownAnnotations, managedFields: d.managedFields }),
    spec: {
      replicas: d.replicas,
      selector: { matchLabels: { ...selectorOf(d) } },
      template: {
        metadata: { labels: { ...d.labels }, annotations },
        spec: podSpec(d.containers, d.priorityClassName, d.terminationGracePeriodSeconds),
      },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      progressDeadlineSeconds: 600,
    },
    status: {
      observedGeneration: d.observedGeneration,
      replicas: unlessZero(pods),
      updatedReplicas: unlessZero(state.updatedCount(d)),
      readyReplicas: unlessZero(ready),
      availableReplicas: unlessZero(ready),
      unavailableReplicas: unlessZero(Math.max(0, pods - ready)),
      conditions: deploymentConditions(d, ready),
    },
  };
}

/**
 * Available: at least replicas − maxUnavailable pods are. Progressing: NewReplicaSetAvailable once
 * a rollout completed, kept through later scaling, as the controller does; ReplicaSetUpdated while one runs.
 */
function deploymentConditions(d: SimDeployment, available: number): Json[] {
  const enough = available >= d.replicas - rollingBounds(d.replicas).maxUnavailable;
  return [
    enough
      ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
      : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
    d.rollingOut
      ? { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${d.name}-${d.templateRevision}" is progressing.` }
      : {
          type: 'Progressing',
          status: 'True',
          reason: 'NewReplicaSetAvailable',
          message: `ReplicaSet "${d.name}-${d.observedRevision}" has successfully progressed.`,
        },
  ];
}

export function renderScale(state: SimState, d: SimDeployment): Json {
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: metadata(d),
    spec: { replicas: d.replicas },
    status: {
      replicas: state.podCount(d),
      selector: Object.entries(selectorOf(d))
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    },
  };
}

export function renderHpa(state: SimState, h: SimHpa): Json {
  const target = state.deployment(h.namespace, h.deployment);
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: metadata(h),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: h.deployment },
      minReplicas: h.minReplicas,
      maxReplicas: h.maxReplicas,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    },
    status: { currentReplicas: target?.replicas ?? 0, desiredReplicas: h.desiredReplicas },
  };
}

export function renderPod(state: SimState, p: SimPod): Json {
  const owner = state.deployment(p.namespace, p.deployment);
  const spec = podSpec(owner?.containers ?? [], owner?.priorityClassName, owner?.terminationGracePeriodSeconds);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: metadata(p, { labels: { ...p.labels } }),
    spec: { ...spec, nodeName: p.nodeName, priority: p.priority, schedulerName: 'default-scheduler' },
    status: podStatus(state, p),
  };
}

/** Unscheduled pods are Pending with PodScheduled False; scheduled ones Running, Ready after the delay. */
function podStatus(state: SimState, p: SimPod): Json {
  if (p.nodeName === undefined) {
    const nodes = state.nodes().length;
    return {
      phase: 'Pending',
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: `0/${nodes} nodes are available: ${nodes} Too many pods. preemption: 0/${nodes} nodes are available: ${nodes} No preemption victims found for incoming pod.`,
        },
      ],
    };
  }
  const ready = state.isReady(p) ? 'True' : 'False';
  const ip = podIp(p);
  return {
    phase: 'Running',
    podIP: ip,
    podIPs: [{ ip }],
    conditions: [
      { type: 'PodScheduled', status: 'True' },
      { type: 'Initialized', status: 'True' },
      { type: 'ContainersReady', status: ready },
      { type: 'Ready', status: ready },
    ],
  };
}

function podSpec(containers: SimContainer[], priorityClassName: string | undefined, terminationGracePeriodSeconds: number | undefined): Json {
  return {
    containers: containers.map((c) => ({
      name: c.name,
      image: c.image,
      ports: c.ports?.map((p) => ({ ...p })),
      resources: { requests: { ...c.requests } },
    })),
    priorityClassName,
    terminationGracePeriodSeconds,
  };
}

/** What every simulated node's kubelet reports (status.nodeInfo, less its per-machine ids); `kubectl get nodes` prints it. */
export const NODE_INFO = {
  architecture: 'amd64',
  containerRuntimeVersion: 'containerd://1.7.27',
  kernelVersion: '6.1.0-hms-sys',
  kubeletVersion: 'v1.32.0-hms-sys-simulator',
  operatingSystem: 'linux',
  osImage: 'hms-sys simulated node',
} as const;

export function renderNode(state: SimState, n: SimNode): Json {
  const ready = state.isNodeReady(n);
  const resources = { cpu: '8', memory: '32Gi', pods: String(n.pods) };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: n.name,
      uid: n.uid,
      resourceVersion: n.resourceVersion,
      creationTimestamp: n.creationTimestamp,
      labels: { 'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux', 'karpenter.sh/nodepool': 'default' },
    },
    // spec.unschedulable is omitted while false, as the API omits zero values; a node that is not Ready yet carries the not-ready taint.
    spec: ready ? {} : { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] },
    status: {
      capacity: resources,
      allocatable: resources,
      nodeInfo: { ...NODE_INFO, bootID: n.uid, machineID: n.uid.replace(/-/g, ''), systemUUID: n.uid, kubeProxyVersion: '' },
      conditions: [
        ready
          ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }
          : { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'node is starting' },
      ],
    },
  };
}

export function renderPriorityClass(pc: SimPriorityClass): Json {
  return {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: pc.name, uid: pc.uid, resourceVersion: pc.resourceVersion, creationTimestamp: pc.creationTimestamp },
    value: pc.value,
    globalDefault: false,
    description: pc.description,
    preemptionPolicy: 'PreemptLowerPriority',
  };
}

/** A list; `continueToken` is set when more pages follow. */
export function renderList(kind: string, apiVersion: string, resourceVersion: string, items: Json[], continueToken?: string): Json {
  return { apiVersion, kind, metadata: { resourceVersion, continue: continueToken }, items };
}

/** The Status object the API server returns with every error. */
export function renderStatus(code: number, reason: string, message: string, details?: Json): Json {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code };
}
