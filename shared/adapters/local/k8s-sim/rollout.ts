/**
 * The arithmetic of a Deployment's default RollingUpdate strategy (maxSurge 25%, maxUnavailable
 * 25%), as the deployment controller applies it: new pods may exceed replicas by maxSurge, and old
 * pods go only while at least replicas − maxUnavailable pods stay available. Pure; state.ts picks
 * the pods.
 */

/** maxSurge rounds up and maxUnavailable down; both 0 would stall, so maxUnavailable becomes 1 (as the API does). */
export function rollingBounds(replicas: number): { maxSurge: number; maxUnavailable: number } {
  const maxSurge = Math.ceil(replicas * 0.25);
  const maxUnavailable = Math.floor(replicas * 0.25);
  return { maxSurge, maxUnavailable: maxSurge === 0 && maxUnavailable === 0 ? 1 : maxUnavailable };
}

/** Pods of the current template (fresh) and of earlier ones (old), and how many of each are Ready. */
export interface RolloutCounts {
  replicas: number;
  fresh: number;
  freshReady: number;
  old: number;
  oldReady: number;
}

/** New pods to create now: up to replicas, while all pods stay within replicas + maxSurge. */
export function podsToCreate(c: RolloutCounts): number {
  const { maxSurge } = rollingBounds(c.replicas);
  return Math.max(0, Math.min(c.replicas + maxSurge - (c.fresh + c.old), c.replicas - c.fresh));
}

/**
 * Old pods to delete now. First the old pods that are not Ready, as far as the new pods still
 * starting leave room; then as many more as availability above replicas − maxUnavailable allows.
 */
export function oldPodsToDelete(c: RolloutCounts): number {
  const { maxUnavailable } = rollingBounds(c.replicas);
  const minAvailable = c.replicas - maxUnavailable;
  const maxScaledDown = c.fresh + c.old - minAvailable - (c.fresh - c.freshReady);
  if (maxScaledDown <= 0) return 0;
  const unhealthy = Math.min(maxScaledDown, c.old - c.oldReady);
  const available = c.freshReady + c.oldReady;
  return unhealthy + Math.max(0, Math.min(available - minAvailable, c.old - unhealthy));
}

/** Pods beyond replicas + maxSurge (replicas lowered mid-rollout) to delete from the old ones. */
export function excessPods(c: RolloutCounts): number {
  const { maxSurge } = rollingBounds(c.replicas);
  return Math.max(0, Math.min(c.old, c.fresh + c.old - (c.replicas + maxSurge)));
}
