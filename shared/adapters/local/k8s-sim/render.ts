import type { SimDeployment, SimHpa, SimMeta, SimPod, SimState } from './state.ts';

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
  const pods = state.podsOf(d.namespace, d.name).length;
  const ready = state.readyCount(d);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(d, { generation: d.generation, labels: { ...d.labels } }),
    spec: {
      replicas: d.replicas,
      selector: { matchLabels: { ...d.labels } },
      template: {
        metadata: { labels: { ...d.labels } },
        spec: { containers: [{ name: d.name, image: `${d.name}:latest` }] },
      },
    },
    status: {
      observedGeneration: d.generation,
      replicas: unlessZero(pods),
      updatedReplicas: unlessZero(pods),
      readyReplicas: unlessZero(ready),
      availableReplicas: unlessZero(ready),
      unavailableReplicas: unlessZero(pods - ready),
    },
  };
}

export function renderScale(state: SimState, d: SimDeployment): Json {
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: metadata(d),
    spec: { replicas: d.replicas },
    status: {
      replicas: state.podsOf(d.namespace, d.name).length,
      selector: Object.entries(d.labels)
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
  const ready = state.isReady(p);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: metadata(p, { labels: { ...p.labels } }),
    spec: { containers: [{ name: p.deployment, image: `${p.deployment}:latest` }] },
    status: {
      phase: ready ? 'Running' : 'Pending',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    },
  };
}

export function renderList(kind: string, apiVersion: string, resourceVersion: string, items: Json[]): Json {
  return { apiVersion, kind, metadata: { resourceVersion }, items };
}

/** The Status object the API server returns with every error. */
export function renderStatus(code: number, reason: string, message: string, details?: Json): Json {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code };
}
