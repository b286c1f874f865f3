/**
 * The ReplicaSet side of the simulator and its binding to the scheduler: pods follow a
 * Deployment's replicas, a rolling update takes one step at a time (rollout.ts), and the node
 * pool (capacity.ts) places Pending pods through the pod index. Each call costs the pods of the
 * Deployment it acts on, and the scheduler the Pending pods.
 */
import { randomUUID } from 'node:crypto';
import type { PodSource } from './capacity.ts';
import { deploymentKey, type SimCore } from './core.ts';
import { type DeploymentChange, metadataLabelsOf, type SimDeployment, type SimPod } from './objects.ts';
import { excessPods, oldPodsToDelete, podsToCreate, type RolloutCounts } from './rollout.ts';

/**
 * The ReplicaSet controller creates at most BurstReplicas (500) pods in one sync and leaves the
 * rest to its next syncs (pkg/controller/replicaset/replica_set.go, `BurstReplicas = 500`, created
 * in slow-start batches: https://github.com/kubernetes/kubernetes/blob/master/pkg/controller/replicaset/replica_set.go).
 * So a huge spec.replicas grows the pods a burst per sync, never all at once.
 */
export const BURST_REPLICAS = 500;
/** The simulator's ReplicaSet resync of a Deployment left short of pods. */
export const REPLICA_SET_SYNC_MS = 1_000;

/**
 * Creates or removes pods as the Deployment's ReplicaSets would: to match replicas, or during a
 * rolling update one step of it (rollout.ts). Pods are removed unscheduled first, then not Ready,
 * then the newest. At most BURST_REPLICAS pods are created per Deployment at one moment of the
 * clock (unless `unbounded`, for seeded workloads that were running); a Deployment left short is
 * synced again REPLICA_SET_SYNC_MS later (stepping.ts). Returns the pods it created and whether any pod came or went.
 */
export function reconcilePods(core: SimCore, deployment: SimDeployment, unbounded = false): { created: SimPod[]; changed: boolean } {
  const key = deploymentKey(deployment);
  const created: SimPod[] = [];
  let removed = 0;
  const isFresh = (p: SimPod) => p.revision === deployment.observedRevision;
  const pods = () => core.pods.of(key);
  const create = (wanted: number) => {
    const count = unbounded ? wanted : Math.min(wanted, takeBurst(core, deployment, wanted));
    for (let i = 0; i < count; i++) {
      const pod = newPod(core, deployment);
      created.push(pod);
      core.pods.add(pod, core.time);
    }
    if (count < wanted) leaveShort(core, deployment);
  };
  const remove = (from: SimPod[], count: number) => {
    for (const victim of byRemovalOrder(core, from).slice(0, Math.max(0, count))) {
      core.pods.remove(victim);
      removed += 1;
    }
  };
  const total = core.pods.countOf(key);
  const fresh = core.pods.revisionCountOf(key, deployment.observedRevision);
  if (fresh === total) {
    create(deployment.replicas - total);
    if (total > deployment.replicas) remove(pods(), total - deployment.replicas);
  } else {
    const counts = (): RolloutCounts => {
      const all = pods();
      const ready = (list: SimPod[]) => list.filter((p) => core.pods.isReady(p)).length;
      const freshPods = all.filter(isFresh);
      const stale = all.filter((p) => !isFresh(p));
      return { replicas: deployment.replicas, fresh: freshPods.length, freshReady: ready(freshPods), old: stale.length, oldReady: ready(stale) };
    };
    if (fresh > deployment.replicas) remove(pods().filter(isFresh), fresh - deployment.replicas);
    remove(
      pods().filter((p) => !isFresh(p)),
      excessPods(counts()),
    );
    create(podsToCreate(counts()));
    remove(
      pods().filter((p) => !isFresh(p)),
      oldPodsToDelete(counts()),
    );
    // Deleting old pods makes room under the surge ceiling.
    create(podsToCreate(counts()));
  }
  if (created.length > 0 || removed > 0) core.touch(deployment);
  return { created, changed: created.length > 0 || removed > 0 };
}

/** Takes up to `wanted` pods from the Deployment's burst at the current time; returns how many it may create. */
function takeBurst(core: SimCore, deployment: SimDeployment, wanted: number): number {
  let used = core.burstUsed.get(deployment);
  if (used?.at !== core.time) {
    used = { at: core.time, used: 0 };
    core.burstUsed.set(deployment, used);
  }
  const allowed = Math.max(0, Math.min(wanted, BURST_REPLICAS - used.used));
  used.used += allowed;
  return allowed;
}

function leaveShort(core: SimCore, deployment: SimDeployment): void {
  core.shortOfPods.add(deployment);
  if (core.nextReplicaSetSyncAt === undefined || core.nextReplicaSetSyncAt <= core.time) core.nextReplicaSetSyncAt = core.time + REPLICA_SET_SYNC_MS;
  core.changed();
}

/** A ReplicaSet sync of every Deployment left short of pods: each creates its next burst. */
export function syncShortReplicaSets(core: SimCore): void {
  const short = [...core.shortOfPods];
  core.shortOfPods.clear();
  core.nextReplicaSetSyncAt = undefined;
  for (const deployment of short) if (core.deployments.get(deploymentKey(deployment)) === deployment) reconcilePods(core, deployment);
}

/** Binds Pending pods to nodes (capacity.ts), preempting lower-priority ones. */
export function schedule(core: SimCore): void {
  core.pool.schedule(core.time, podSource(core));
}

/** Seeded pods: on free slots of Ready nodes (added as needed without initialNodes), already Ready. */
export function placeRunning(core: SimCore, pods: SimPod[]): void {
  const source = podSource(core);
  const scheduledAt = core.time - core.podReadyDelayMs;
  const left = core.pool.placeRunning(pods, source, core.time, scheduledAt);
  if (left.length === 0 || core.pool.options.initialNodes !== undefined) return;
  core.pool.addReadyNodes(Math.ceil(left.length / core.pool.options.podsPerNode), core.time);
  core.pool.placeRunning(left, source, core.time, scheduledAt);
}

function podSource(core: SimCore): PodSource<SimPod> {
  const { pods } = core;
  return {
    pendingCount: () => pods.pendingCount,
    pending: () => pods.pendingPods(),
    topPendingPriority: () => pods.topPendingPriority(),
    boundBelow: (priority) => pods.boundBelow(priority),
    slotsUsedOn: (nodeName) => pods.slotsUsedOn(nodeName),
    bind: (pod, nodeName, at) => pods.bind(pod, nodeName, at, core.time),
    preempt: (victim) => {
      pods.remove(victim);
      const owner = core.deployments.get(`${victim.namespace}/${victim.deployment}`);
      if (owner) reconcilePods(core, owner);
    },
  };
}

function newPod(core: SimCore, deployment: SimDeployment): SimPod {
  const suffix = randomUUID().replace(/-/g, '').slice(0, 5);
  return {
    ...core.newMeta(deployment.namespace, `${deployment.name}-${suffix}`),
    deployment: deployment.name,
    labels: { ...deployment.labels },
    seq: ++core.podSeq,
    revision: deployment.observedRevision,
    priority: deployment.priority,
    createdAt: core.time,
  };
}

/** The order a ReplicaSet deletes pods in: unscheduled, then not Ready, then the newest. */
function byRemovalOrder(core: SimCore, pods: SimPod[]): SimPod[] {
  const rank = (p: SimPod) => (p.nodeName === undefined ? 0 : core.pods.isReady(p) ? 2 : 1);
  return [...pods].sort((a, b) => rank(a) - rank(b) || b.seq - a.seq);
}

/**
 * A spec write, without catching up first (state.ts does that). A new replica count takes effect
 * at once on the pods of the template being rolled out; a pod template change (containers,
 * priorityClassName, annotations) starts a rolling update when the controller observes it.
 * New pods take the new priority. False when nothing changed.
 */
export function applyDeploymentChange(core: SimCore, deployment: SimDeployment, change: DeploymentChange): boolean {
  const templateChanged =
    deployment.priorityClassName !== change.priorityClassName ||
    JSON.stringify(deployment.containers) !== JSON.stringify(change.containers) ||
    !sameStrings(deployment.templateAnnotations, change.templateAnnotations) ||
    (change.labels !== undefined && !sameStrings(deployment.labels, change.labels));
  const ownersChanged = change.managedFields !== undefined && JSON.stringify(change.managedFields) !== JSON.stringify(deployment.managedFields);
  if (ownersChanged) deployment.managedFields = change.managedFields;
  const labelsChanged = change.metadataLabels !== undefined && !sameStrings(metadataLabelsOf(deployment), change.metadataLabels);
  const annotationsChanged = change.annotations !== undefined && !sameStrings(deployment.annotations ?? {}, change.annotations);
  const specChanged = deployment.replicas !== change.replicas || templateChanged;
  if (!specChanged && !labelsChanged && !annotationsChanged && !ownersChanged) return false;
  if (labelsChanged) deployment.metadataLabels = { ...change.metadataLabels };
  if (annotationsChanged) deployment.annotations = { ...change.annotations };
  // Labels move only the resourceVersion; annotations bump the generation too, as the Deployment
  // strategy does because they are copied to ReplicaSets (pkg/registry/apps/deployment/strategy.go,
  // PrepareForUpdate: https://github.com/kubernetes/kubernetes/blob/master/pkg/registry/apps/deployment/strategy.go).
  if (!specChanged) {
    if (annotationsChanged) {
      deployment.generation += 1;
      core.unobserved.add(deployment);
    }
    deployment.resourceVersion = core.nextVersion();
    core.touch(deployment);
    return true;
  }
  const priority = core.priorityValue(change.priorityClassName);
  Object.assign(deployment, {
    replicas: change.replicas,
    containers: change.containers,
    priorityClassName: change.priorityClassName,
    templateAnnotations: { ...change.templateAnnotations },
    labels: { ...(change.labels ?? deployment.labels) },
    priority,
  });
  deployment.generation += 1;
  if (templateChanged) deployment.templateRevision += 1;
  deployment.resourceVersion = core.nextVersion();
  core.unobserved.add(deployment);
  core.touch(deployment);
  reconcilePods(core, deployment);
  return true;
}

function sameStrings(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => b[k] === a[k]);
}
