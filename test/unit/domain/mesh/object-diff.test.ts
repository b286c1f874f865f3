import { describe, expect, it } from 'vitest';
import type { KubeObject } from '#domain/mesh/kube-resources.ts';
import { diffObjects } from '#domain/mesh/object-diff.ts';

const desired = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: { name: 'n', namespace: 'default', labels: { 'app.kubernetes.io/managed-by': 'hms-sys' } },
  spec,
});

/** What a server hands back: the applied fields plus its own, and managedFields naming what hms-sys applied. */
const live = (spec: Record<string, unknown>, fieldsV1: Record<string, unknown>): KubeObject => ({
  ...desired(spec),
  metadata: {
    ...desired(spec).metadata,
    uid: 'u-1',
    resourceVersion: '7',
    generation: 3,
    creationTimestamp: '2026-12-03T17:00:00Z',
    managedFields: [
      { manager: 'hms-sys', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1 },
      { manager: 'kubectl', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:exportTo': {} } } },
    ],
  },
  status: { observedGeneration: 3 },
});

const owned = {
  'f:metadata': { 'f:labels': { 'f:app.kubernetes.io/managed-by': {} } },
  'f:spec': { 'f:host': {}, 'f:trafficPolicy': { 'f:outlierDetection': { 'f:consecutive5xxErrors': {}, 'f:baseEjectionTime': {} } } },
};

describe('diffObjects', () => {
  it('finds nothing when live holds what desired declares, whatever the server and other managers added', () => {
    const spec = { host: 'n.default.svc.cluster.local', trafficPolicy: { outlierDetection: { consecutive5xxErrors: 5, baseEjectionTime: '30s' } } };
    const serverSide = { ...spec, exportTo: ['*'] };
    expect(diffObjects(live(serverSide, owned), desired(spec))).toEqual([]);
  });

  it('names each added, changed and removed field by its path', () => {
    const before = { host: 'n.default.svc.cluster.local', trafficPolicy: { outlierDetection: { consecutive5xxErrors: 5, baseEjectionTime: '30s' } } };
    const after = {
      host: 'n.default.svc.cluster.local',
      trafficPolicy: { outlierDetection: { consecutive5xxErrors: 3 }, connectionPool: { tcp: { maxConnections: 10 } } },
    };
    expect(diffObjects(live(before, owned), desired(after))).toEqual([
      '~ spec.trafficPolicy.outlierDetection.consecutive5xxErrors: 5 → 3',
      '+ spec.trafficPolicy.connectionPool: {"tcp":{"maxConnections":10}}',
      '- spec.trafficPolicy.outlierDetection.baseEjectionTime: "30s"',
    ]);
  });

  it('does not call a field another manager owns a removal', () => {
    const spec = { host: 'n.default.svc.cluster.local', trafficPolicy: { outlierDetection: { consecutive5xxErrors: 5, baseEjectionTime: '30s' } } };
    expect(diffObjects(live({ ...spec, exportTo: ['.'] }, owned), desired(spec))).toEqual([]);
  });

  it('compares a list item by item, ignoring defaults the server added inside items', () => {
    const deployment = (containers: unknown[]): KubeObject => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: { template: { spec: { containers } } },
    });
    const withDefaults = deployment([{ name: 'a', image: 'i:1', imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log' }]);
    expect(diffObjects(withDefaults, deployment([{ name: 'a', image: 'i:1' }]))).toEqual([]);
    expect(diffObjects(withDefaults, deployment([{ name: 'a', image: 'i:2' }]))).toEqual(['~ spec.template.spec.containers[0].image: "i:1" → "i:2"']);
    expect(
      diffObjects(
        withDefaults,
        deployment([
          { name: 'a', image: 'i:1' },
          { name: 'b', image: 'j' },
        ]),
      ),
    ).toHaveLength(1);
  });

  it('compares a list hms-sys owns whole (an atomic list, as Istio’s are) exactly: a field dropped inside an item is a removal', () => {
    const vs = (retries: Record<string, unknown>): KubeObject => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'v', namespace: 'default' },
      spec: { hosts: ['v'], http: [{ name: 'default', route: [{ destination: { host: 'v' } }], retries }] },
    });
    const live = vs({ attempts: 3, perTryTimeout: '200ms' });
    live.metadata.managedFields = [{ manager: 'hms-sys', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:hosts': {}, 'f:http': {} } } }];
    expect(diffObjects(live, vs({ attempts: 3 }))).toEqual(['- spec.http[0].retries.perTryTimeout: "200ms"']);
    expect(diffObjects(live, vs({ attempts: 2, perTryTimeout: '200ms' }))).toEqual(['~ spec.http[0].retries.attempts: 3 → 2']);
    expect(diffObjects(live, vs({ attempts: 3, perTryTimeout: '200ms' }))).toEqual([]);
  });

  it('lists every declared field as added when nothing is live', () => {
    expect(diffObjects(null, desired({ host: 'h' }))).toEqual([
      '+ apiVersion: "networking.istio.io/v1"',
      '+ kind: "DestinationRule"',
      '+ metadata: {"name":"n","namespace":"default","labels":{"app.kubernetes.io/managed-by":"hms-sys"}}',
      '+ spec: {"host":"h"}',
    ]);
  });
});
