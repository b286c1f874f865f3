import { describe, expect, it } from 'vitest';
import type { MeshService } from '#domain/mesh/canonical.ts';
import { checkObjects, durationMs, isHostName } from '#domain/mesh/istio-checks.ts';
import type { KubeObject } from '#domain/mesh/kube-resources.ts';
import { renderService } from '#domain/mesh/render.ts';
import { GOLDEN_CASES } from './render-cases.ts';
import { modelErrors } from './render-models.ts';

const vs = (http: unknown[], hosts: unknown[] = ['a.default.svc.cluster.local']): KubeObject => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'a', namespace: 'default' },
  spec: { hosts, http },
});
const destination = [{ destination: { host: 'a.default.svc.cluster.local', port: { number: 80 } } }];
const paths = (o: KubeObject) => checkObjects([o]).map((i) => i.path);

describe('istio-checks: what the @kubernetes-models schemas let through', () => {
  it('passes every golden rendering', () => {
    for (const c of GOLDEN_CASES) expect(checkObjects(renderService(c.input()).objects)).toEqual([]);
  });

  it.each([
    ['a directResponse status outside 200..599', [{ directResponse: { status: 99 } }], 'spec.http[0].directResponse.status'],
    ['a timeout that is not a duration', [{ route: destination, timeout: 'banana' }], 'spec.http[0].timeout'],
    ['a timeout under 1ms', [{ route: destination, timeout: '500us' }], 'spec.http[0].timeout'],
    [
      'a perTryTimeout longer than the timeout',
      [{ route: destination, timeout: '800ms', retries: { attempts: 3, perTryTimeout: '1s' } }],
      'spec.http[0].retries.perTryTimeout',
    ],
    ['an unknown retryOn condition', [{ route: destination, retries: { attempts: 1, retryOn: '5xx,sometimes' } }], 'spec.http[0].retries.retryOn'],
    ['negative attempts', [{ route: destination, retries: { attempts: -1 } }], 'spec.http[0].retries.attempts'],
    [
      'retries on a directResponse',
      [{ match: [{ uri: { prefix: '/' } }], directResponse: { status: 503 }, retries: { attempts: 2 } }, { route: destination }],
      'spec.http[0].retries',
    ],
    ['a route with both a destination and a directResponse', [{ route: destination, directResponse: { status: 503 } }], 'spec.http[0]'],
    ['a catch-all route before the last', [{ route: destination }, { route: destination }], 'spec.http[0]'],
    ['weights that do not add up to 100', [{ route: [...destination, ...destination].map((d) => ({ ...d, weight: 30 })) }], 'spec.http[0].route'],
  ])('refuses %s, which the model accepts', (_, http, path) => {
    const object = vs(http);
    expect(modelErrors(object)).toEqual([]);
    expect(paths(object)).toContain(path);
  });

  it('refuses a host that is not a DNS name, on the object and in a route', () => {
    expect(paths(vs([{ route: destination }], ['Receipt_Svc.mesh']))).toEqual(['spec.hosts[0]']);
    expect(paths(vs([{ route: [{ destination: { host: 'bad host' } }] }]))).toEqual(['spec.http[0].route[0].destination.host']);
  });

  it('refuses a Deployment carrying replicas or a selector its pods do not match', () => {
    const deployment: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'a', namespace: 'default' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'b' } }, spec: { containers: [] } } },
    };
    expect(paths(deployment)).toEqual(['spec.replicas', 'spec.selector.matchLabels.app']);
  });

  it('refuses outlierDetection and connectionPool values out of range', () => {
    const dr: KubeObject = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'a', namespace: 'default' },
      spec: {
        host: 'a',
        trafficPolicy: { outlierDetection: { maxEjectionPercent: 101, baseEjectionTime: '30' }, connectionPool: { tcp: { maxConnections: 0 } } },
      },
    };
    expect(paths(dr)).toEqual([
      'spec.trafficPolicy.outlierDetection.maxEjectionPercent',
      'spec.trafficPolicy.outlierDetection.baseEjectionTime',
      'spec.trafficPolicy.connectionPool.tcp.maxConnections',
    ]);
  });

  it('refuses a ServiceEntry whose ports repeat or whose selector sits on an external entry', () => {
    const se: KubeObject = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: { name: 'a', namespace: 'default' },
      spec: {
        hosts: ['a.mesh'],
        location: 'MESH_EXTERNAL',
        ports: [
          { number: 80, name: 'http' },
          { number: 80, name: 'http' },
        ],
        workloadSelector: { labels: { app: 'a' } },
      },
    };
    expect(paths(se)).toEqual(['spec.ports', 'spec.ports', 'spec.workloadSelector']);
  });

  it('reads durations as Istio writes them', () => {
    expect(durationMs('800ms')).toBe(800);
    expect(durationMs('1m30s')).toBe(90_000);
    expect(durationMs('0.5s')).toBe(500);
    expect(durationMs('30')).toBeUndefined();
    expect(isHostName('receipt-svc.mesh')).toBe(true);
    expect(isHostName('*.example.com')).toBe(true);
    expect(isHostName('-bad.mesh')).toBe(false);
  });

  it('makes renderService throw a 4xx error naming the object and field, before anything is applied', () => {
    const [receipt] = GOLDEN_CASES;
    const input = receipt?.input();
    if (!input) throw new Error('no receipt case');
    // A label value the parser would refuse, handed straight to the renderer.
    const service: MeshService = { ...input.service, spec: { ...input.service.spec, podLabels: { team: 'not ok!' } } };
    expect(() => renderService({ ...input, service })).toThrow(
      expect.objectContaining({ name: 'UnprocessableError', code: 'invalid_rendering', field: 'Deployment/receipt-svc:spec.template.metadata.labels.team' }),
    );
  });
});
