import * as z from 'zod/mini';
import type { RolloutStatus } from '#ports/cluster.ts';
import { MANAGED_BY_LABEL, PLACEHOLDER_FOR_LABEL } from './kubernetes-placeholders.ts';

/** The Deployment fields a restart and a rollout check read; the API omits zero-valued status fields. */
const count = z.optional(z.int().check(z.nonnegative()));
const stringMap = z.record(z.string(), z.string());

export const rolloutItem = z.object({
  metadata: z.object({
    name: z.string(),
    resourceVersion: z.string(),
    generation: count,
    labels: z.optional(stringMap),
  }),
  spec: z.object({
    replicas: z._default(z.int().check(z.nonnegative()), 1),
    paused: z.optional(z.boolean()),
    template: z._default(
      z.object({
        metadata: z._default(z.object({ annotations: z.optional(stringMap) }), {}),
      }),
      { metadata: {} },
    ),
  }),
  status: z._default(
    z.object({
      observedGeneration: count,
      replicas: count,
      updatedReplicas: count,
      readyReplicas: count,
      availableReplicas: count,
      conditions: z.optional(z.array(z.object({ type: z.string(), status: z.string(), reason: z.optional(z.string()) }))),
    }),
    {},
  ),
});

export type RolloutItem = z.infer<typeof rolloutItem>;

export const toRolloutItem = (body: unknown): RolloutItem => rolloutItem.parse(body);

/** The pod template's annotations. */
export const templateAnnotations = (d: RolloutItem): Record<string, string> => d.spec.template.metadata.annotations ?? {};

const observed = (d: RolloutItem) => (d.status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);

/** Counts and the verdict of `kubectl rollout status` for a Deployment. */
export function toRolloutStatus(d: RolloutItem): RolloutStatus {
  const desired = d.spec.replicas;
  const total = d.status.replicas ?? 0;
  const updated = d.status.updatedReplicas ?? 0;
  const available = d.status.availableReplicas ?? 0;
  const done = observed(d) && updated >= desired && total <= updated && available >= updated;
  return { desired, updated, ready: d.status.readyReplicas ?? 0, available, done };
}

/**
 * Progressing reasons that mean no rollout is under way: the last one completed (the condition
 * keeps this reason through later scale-ups and lost pods), the Deployment is paused, or its
 * rollout stalled past progressDeadlineSeconds.
 */
const SETTLED_REASONS = new Set(['NewReplicaSetAvailable', 'DeploymentPaused', 'ProgressDeadlineExceeded']);

/**
 * Whether the Deployment is rolling out now: a spec change not yet observed, or a Progressing
 * condition that is neither complete, paused nor stalled. Without the condition (progress
 * deadline disabled) it falls back to the rollout status verdict.
 */
export function isRollingOut(d: RolloutItem): boolean {
  if (d.spec.paused) return false;
  if (!observed(d)) return true;
  const progressing = d.status.conditions?.find((c) => c.type === 'Progressing');
  if (progressing) return !SETTLED_REASONS.has(progressing.reason ?? '');
  return !toRolloutStatus(d).done;
}

/** A placeholder Deployment hms-sys made to hold warm capacity; its pods wait for nodes by design. */
export function isPlaceholder(d: RolloutItem): boolean {
  const labels = d.metadata.labels ?? {};
  return labels[MANAGED_BY_LABEL] === 'hms-sys' && labels[PLACEHOLDER_FOR_LABEL] !== undefined;
}
