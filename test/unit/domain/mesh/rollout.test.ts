import { describe, expect, it } from 'vitest';
import type { KubeObject } from '#domain/mesh/kube-resources.ts';
import { rolloutOf } from '#domain/mesh/rollout.ts';

/** A Deployment of receipt-svc as an API server returns it, with `status` as given. */
const deployment = (status: Record<string, number>, generation = 2, replicas: number | null = 2): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'receipt-svc', namespace: 'default', generation },
  spec: {
    ...(replicas === null ? {} : { replicas }),
    template: { spec: { containers: [{ name: 'receipt-svc', image: 'ghcr.io/gov/receipt:1.0' }] } },
  },
  status,
});

describe('rolloutOf: a Deployment read as kubectl rollout status reads it', () => {
  it('is complete when the spec is observed and every desired pod runs the current template, available, with no older pod left', () => {
    expect(rolloutOf(deployment({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 }))).toEqual({
      deployment: 'receipt-svc',
      image: 'ghcr.io/gov/receipt:1.0',
      desired: 2,
      updated: 2,
      ready: 2,
      observed: true,
      complete: true,
    });
  });

  it('waits for a spec the controller has not observed, whatever the counts say', () => {
    const rollout = rolloutOf(deployment({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 }));
    expect(rollout).toMatchObject({ observed: false, complete: false, waitingFor: 'the deployment spec update to be observed' });
  });

  it('waits for new replicas, then for older pods to go, then for the updated ones to be available', () => {
    expect(rolloutOf(deployment({ observedGeneration: 2, replicas: 1, updatedReplicas: 1, readyReplicas: 0 }))).toMatchObject({
      updated: 1,
      ready: 0,
      complete: false,
      waitingFor: '1 out of 2 new replicas to be updated',
    });
    // Two old pods Ready and two new ones, one of them Ready: only the new one counts.
    expect(rolloutOf(deployment({ observedGeneration: 2, replicas: 4, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3 }))).toMatchObject({
      updated: 2,
      ready: 1,
      complete: false,
      waitingFor: '2 old replicas pending termination',
    });
    expect(rolloutOf(deployment({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1 }))).toMatchObject({
      ready: 1,
      complete: false,
      waitingFor: '1 of 2 updated replicas to be available',
    });
  });

  it('reads a fresh Deployment with no status as nothing ready, and an absent spec.replicas as the default of 1', () => {
    expect(rolloutOf(deployment({}, 1, null))).toMatchObject({ desired: 1, updated: 0, ready: 0, observed: false, complete: false });
  });
});
