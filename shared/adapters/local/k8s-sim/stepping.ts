/**
 * Time in the simulator. Nothing runs on a timer: advance() evaluates everything up to the clock's
 * now, stepping through the moments something happens by itself (a node batch closes, a node or a
 * pod turns Ready, the HPA controller syncs), and the API calls it on every request. After each
 * step the controllers settle: the scheduler places Pending pods and rolling updates go as far as
 * they can. Last, a status pass gives a new resourceVersion to every Deployment and HPA whose
 * status moved, as the controllers' status writes do.
 */
import { deploymentKey, earliest, keyOf, type SimCore } from './core.ts';
import type { SimDeployment, SimHpa } from './objects.ts';
import { applyDeploymentChange, REPLICA_SET_SYNC_MS, reconcilePods, schedule, syncShortReplicaSets } from './replica-sets.ts';

/**
 * ReplicaSet syncs one advance() evaluates at most: a request after a long quiet spell creates at
 * most this many bursts of pods, and later requests go on from there, so a request's work stays bounded.
 */
export const MAX_REPLICA_SET_SYNCS_PER_ADVANCE = 4;

/** How a status renders, to compare what an object shows with what it showed. */
export interface StatusOf {
  deployment(d: SimDeployment): unknown;
  hpa(h: SimHpa): unknown;
}

/**
 * Evaluates up to now: the Deployment controller takes up spec changes made since the last call,
 * then node launches, node and pod readiness, HPA syncs, scheduling, and the steps of rolling
 * updates as their new pods turn Ready.
 */
export function advance(core: SimCore, statusOf: StatusOf): void {
  const target = core.now();
  // The controller reacts to a change right after it was made, before time moves on.
  if (observeChanges(core)) settle(core);
  let replicaSetSyncs = 0;
  for (;;) {
    const next = earliest(
      earliest(earliest(core.pool.nextEventAfter(core.time), core.pods.nextReadyAfter(core.time)), core.nextHpaSyncAt),
      core.nextReplicaSetSyncAt,
    );
    if (next === undefined || next > target) break;
    core.time = Math.max(core.time, next);
    core.pods.promote(core.time);
    if (core.nextReplicaSetSyncAt !== undefined && core.nextReplicaSetSyncAt <= core.time) {
      syncShortReplicaSets(core);
      replicaSetSyncs += 1;
      // Past the cap, the next burst waits for a later request.
      if (replicaSetSyncs >= MAX_REPLICA_SET_SYNCS_PER_ADVANCE && core.nextReplicaSetSyncAt !== undefined) {
        core.nextReplicaSetSyncAt = Math.max(core.nextReplicaSetSyncAt, target + REPLICA_SET_SYNC_MS);
      }
    }
    core.pool.closeBatchIfDue(core.time, core.pods.pendingCount);
    if (core.nextHpaSyncAt <= core.time) {
      syncHpas(core);
      // Later syncs up to the target would find nothing new: only API writes move what an HPA reads.
      core.nextHpaSyncAt += (Math.floor((target - core.nextHpaSyncAt) / core.hpaSyncMs) + 1) * core.hpaSyncMs;
    }
    settle(core);
  }
  core.time = Math.max(core.time, target);
  core.pods.promote(core.time);
  settle(core);
  versionStatusChanges(core, statusOf);
}

/** Schedules Pending pods and takes rolling updates as far as they can go at this time. */
export function settle(core: SimCore): void {
  schedule(core);
  // Each pass creates or deletes pods; with podReadyDelayMs 0 new pods are Ready at once and a rollout may take several.
  for (let pass = 0; pass < 10_000 && stepRollouts(core); pass++) schedule(core);
  completeRollouts(core);
}

/** One pass of the HPA controller: clamp each HPA's desired count and impose it on its target. */
function syncHpas(core: SimCore): void {
  for (const hpa of core.hpas.values()) {
    const desired = Math.min(hpa.maxReplicas, Math.max(hpa.minReplicas, hpa.desiredReplicas));
    if (desired !== hpa.desiredReplicas) {
      hpa.desiredReplicas = desired;
      hpa.resourceVersion = core.nextVersion();
      core.touchedHpas.add(keyOf(hpa.namespace, hpa.name));
    }
    const target = core.deployments.get(keyOf(hpa.namespace, hpa.deployment));
    if (target) applyDeploymentChange(core, target, { ...target, replicas: desired });
  }
}

/** The controller takes up spec changes: a new template revision starts a rolling update. True when one did. */
function observeChanges(core: SimCore): boolean {
  let started = false;
  for (const deployment of core.unobserved) {
    core.touch(deployment);
    deployment.observedGeneration = deployment.generation;
    if (deployment.observedRevision === deployment.templateRevision) continue;
    deployment.observedRevision = deployment.templateRevision;
    deployment.rollingOut = true;
    core.rollingOut.add(deployment);
    core.replacing.add(deployment);
    started = true;
  }
  if (core.unobserved.size > 0) core.changed();
  core.unobserved.clear();
  return started;
}

/** One step of every rolling update; true when some pod was created or deleted. */
function stepRollouts(core: SimCore): boolean {
  let changed = false;
  for (const deployment of core.replacing) {
    if (reconcilePods(core, deployment).changed) changed = true;
    const key = deploymentKey(deployment);
    if (core.pods.revisionCountOf(key, deployment.observedRevision) === core.pods.countOf(key)) core.replacing.delete(deployment);
  }
  return changed;
}

/** A rollout is complete when every pod is of the current template, there are replicas of them, and all are Ready. */
function completeRollouts(core: SimCore): void {
  for (const deployment of core.rollingOut) {
    if (core.replacing.has(deployment)) continue;
    const key = deploymentKey(deployment);
    const pods = core.pods.countOf(key);
    if (pods === deployment.replicas && core.pods.readyOf(key) === pods) {
      deployment.rollingOut = false;
      deployment.completedRollouts += 1;
      core.rollingOut.delete(deployment);
      core.touch(deployment);
      core.changed();
    }
  }
}

/**
 * The Deployment and HPA controllers write status (pods created, Ready, updated; observed
 * generation; conditions) through the API, and every write to etcd-backed storage moves the
 * object's resourceVersion: https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions
 * So any change in the rendered status gets a new resourceVersion here; during a ramp or a
 * rollout that is every time a pod is created, turns Ready or goes. Only objects whose status
 * inputs moved since the last pass are rendered.
 */
export function versionStatusChanges(core: SimCore, statusOf: StatusOf): void {
  for (const key of core.pods.touched) core.touchedDeployments.add(key);
  core.pods.touched.clear();
  if (core.touchedDeployments.size === 0 && core.touchedHpas.size === 0) return;
  if (core.touchedDeployments.size > 0) {
    for (const hpa of core.hpas.values()) {
      if (core.touchedDeployments.has(keyOf(hpa.namespace, hpa.deployment))) core.touchedHpas.add(keyOf(hpa.namespace, hpa.name));
    }
  }
  const bump = (object: SimDeployment | SimHpa, status: unknown) => {
    const shown = JSON.stringify(status);
    const before = core.shownStatus.get(object);
    core.shownStatus.set(object, shown);
    if (before !== undefined && before !== shown) object.resourceVersion = core.nextVersion();
  };
  for (const key of core.touchedDeployments) {
    const deployment = core.deployments.get(key);
    if (deployment) bump(deployment, statusOf.deployment(deployment));
  }
  for (const key of core.touchedHpas) {
    const hpa = core.hpas.get(key);
    if (hpa) bump(hpa, statusOf.hpa(hpa));
  }
  core.touchedDeployments.clear();
  core.touchedHpas.clear();
}
