import { describe, expect, it } from 'vitest';
import { isPlaceholder, isRollingOut, templateAnnotations, toRolloutItem, toRolloutStatus } from '#adapters/aws/kubernetes-rollout-shapes.ts';

/** A Deployment as the API server returns it; zero-valued status fields are omitted. */
function deployment(
  status: Record<string, unknown>,
  extra: { generation?: number; replicas?: number; paused?: boolean; labels?: Record<string, string> } = {},
) {
  return toRolloutItem({
    metadata: { name: 'web', resourceVersion: '42', generation: extra.generation ?? 3, labels: extra.labels },
    spec: { replicas: extra.replicas ?? 4, paused: extra.paused, template: { metadata: { labels: { app: 'web' } } } },
    status,
  });
}
const progressing = (reason: string, status = 'True') => ({ type: 'Progressing', status, reason });
const complete = { observedGeneration: 3, replicas: 4, updatedReplicas: 4, readyReplicas: 4, availableReplicas: 4 };

describe('toRolloutStatus: the verdict of kubectl rollout status', () => {
  it('is done when the spec was observed, every pod is updated and available, and no old pod is left', () => {
    expect(toRolloutStatus(deployment(complete))).toEqual({ desired: 4, updated: 4, ready: 4, available: 4, done: true });
  });

  it.each([
    ['the spec change is not observed yet', { ...complete, observedGeneration: 2 }],
    ['fewer pods are updated than desired', { ...complete, updatedReplicas: 3 }],
    ['old pods are pending termination', { ...complete, replicas: 5 }],
    ['updated pods are not all available', { ...complete, availableReplicas: 3 }],
  ])('is not done when %s', (_why, status) => {
    expect(toRolloutStatus(deployment(status)).done).toBe(false);
  });

  it('reads omitted status fields as 0, and a Deployment of 0 replicas with no pods as done', () => {
    expect(toRolloutStatus(deployment({ observedGeneration: 3 }, { replicas: 0 }))).toEqual({ desired: 0, updated: 0, ready: 0, available: 0, done: true });
    expect(toRolloutStatus(deployment({}))).toMatchObject({ desired: 4, updated: 0, done: false });
  });
});

describe('isRollingOut', () => {
  it.each([
    ['a spec change the controller has not observed', { ...complete, observedGeneration: 2, conditions: [progressing('NewReplicaSetAvailable')] }, true],
    ['a rollout in progress', { ...complete, replicas: 5, updatedReplicas: 2, conditions: [progressing('ReplicaSetUpdated')] }, true],
    ['a new ReplicaSet just created', { ...complete, conditions: [progressing('NewReplicaSetCreated')] }, true],
    ['a completed rollout', { ...complete, conditions: [progressing('NewReplicaSetAvailable')] }, false],
    // The condition keeps NewReplicaSetAvailable through scale-ups and lost pods.
    [
      'a scale-up waiting for pods',
      { ...complete, replicas: 8, updatedReplicas: 8, availableReplicas: 4, conditions: [progressing('NewReplicaSetAvailable')] },
      false,
    ],
    ['a rollout past its progress deadline', { ...complete, replicas: 5, conditions: [progressing('ProgressDeadlineExceeded', 'False')] }, false],
    ['no Progressing condition and an unfinished rollout', { ...complete, replicas: 5 }, true],
    ['no Progressing condition and a finished one', complete, false],
  ])('%s → %s', (_why, status, expected) => {
    expect(isRollingOut(deployment(status))).toBe(expected);
  });

  it('does not count a paused Deployment', () => {
    const paused = deployment({ ...complete, observedGeneration: 2, conditions: [progressing('DeploymentPaused', 'Unknown')] }, { paused: true });
    expect(isRollingOut(paused)).toBe(false);
  });
});

describe('template annotations and placeholders', () => {
  it('reads the pod template annotations, empty when absent', () => {
    const annotated = toRolloutItem({
      metadata: { name: 'web', resourceVersion: '1' },
      spec: { template: { metadata: { annotations: { 'hms.sys/secret-version': 'v9' } } } },
    });
    expect(templateAnnotations(annotated)).toEqual({ 'hms.sys/secret-version': 'v9' });
    expect(templateAnnotations(deployment(complete))).toEqual({});
  });

  it('recognises the placeholders hms-sys makes by their labels', () => {
    const labels = { 'app.kubernetes.io/managed-by': 'hms-sys', 'hms.sys/placeholder-for': 'web' };
    expect(isPlaceholder(deployment(complete, { labels }))).toBe(true);
    expect(isPlaceholder(deployment(complete, { labels: { 'app.kubernetes.io/managed-by': 'hms-sys' } }))).toBe(false);
    expect(isPlaceholder(deployment(complete))).toBe(false);
  });

  it('refuses a Deployment without a resourceVersion', () => {
    expect(() => toRolloutItem({ metadata: { name: 'web' }, spec: {} })).toThrow();
  });
});
