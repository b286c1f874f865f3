import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { MeshService, TrafficPolicy } from '#domain/mesh/canonical.ts';
import { MANAGED_BY_LABEL, RENDERED_KINDS, SERVICE_LABEL } from '#domain/mesh/kube-resources.ts';
import { parseManifest } from '#domain/mesh/manifest-parse.ts';
import { DEFAULT_RETRY_ON, PAUSE_BODY, renderService } from '#domain/mesh/render.ts';
import { retryBackoffBudgetMs } from '#domain/mesh/render-routes.ts';
import type { RenderInput } from '#domain/mesh/rendering.ts';

const root = new URL('../../../../', import.meta.url);
const seed = (path: string) => parseManifest(readFileSync(new URL(`test/fixtures/seeds/${path}`, root), 'utf8'), { defaultNamespace: 'default' }).document;
const service = (path: string) => seed(path) as MeshService;
const input = (svc: MeshService, extra: Partial<RenderInput> = {}): RenderInput => ({
  service: svc,
  mode: 'sidecar',
  trustDomain: 'cluster.local',
  policies: [],
  sourceNamespaces: {},
  ...extra,
});
const find = (objects: { kind: string }[], kind: string) => objects.find((o) => o.kind === kind) as Record<string, any> | undefined;

describe('renderService', () => {
  it('renders chapter 12’s receipt.hms.yml into every kind, in apply order, each labelled as hms-sys’s', () => {
    const set = renderService(input(service('receipt.hms.yml')));
    expect(set.objects.map((o) => o.kind)).toEqual(RENDERED_KINDS.filter((k) => k !== 'DestinationRule'));
    for (const o of set.objects) {
      expect(o.metadata.labels).toMatchObject({ [MANAGED_BY_LABEL]: 'hms-sys', [SERVICE_LABEL]: 'receipt-svc' });
      expect(o.metadata.namespace).toBe('default');
    }
    expect(set.autoscale).toEqual({ min: 2, max: 10, cpuPercent: 70 });
  });

  it('never writes spec.replicas, and labels the pods for the mode', () => {
    const sidecar = find(renderService(input(service('receipt.hms.yml'))).objects, 'Deployment');
    expect(sidecar?.spec.replicas).toBeUndefined();
    expect(sidecar?.spec.template.metadata.labels).toMatchObject({
      app: 'receipt-svc',
      version: '1.0.0',
      'hms/mesh': 'enabled',
      'sidecar.istio.io/inject': 'true',
    });
    const ambient = find(renderService(input(service('receipt.hms.yml'), { mode: 'ambient' })).objects, 'Deployment');
    expect(ambient?.spec.template.metadata.labels).toMatchObject({ 'istio.io/dataplane-mode': 'ambient' });
    expect(ambient?.spec.template.metadata.labels['sidecar.istio.io/inject']).toBeUndefined();
  });

  it('routes only the manifest’s path and methods, on the cluster name and <name>.mesh, without retrying a 503 by default', () => {
    const vs = find(renderService(input(service('receipt.hms.yml'))).objects, 'VirtualService');
    expect(vs?.spec.hosts).toEqual(['receipt-svc.default.svc.cluster.local', 'receipt-svc.mesh']);
    expect(vs?.spec.http).toHaveLength(1);
    expect(vs?.spec.http[0].match).toEqual([{ uri: { prefix: '/receipt' }, method: { exact: 'POST' } }]);
    expect(vs?.spec.http[0].retries).toEqual({ attempts: 2, retryOn: DEFAULT_RETRY_ON, retryIgnorePreviousHosts: true });
    expect(vs?.spec.http[0].retries.retryOn).not.toMatch(/503|retriable-status-codes|5xx/);
  });

  it('maps chapter 10’s breaker to outlierDetection with maxEjectionPercent 100 and its mTLS: required to STRICT', () => {
    const set = renderService(input(service('manifests/notification.yaml')));
    expect(find(set.objects, 'DestinationRule')?.spec.trafficPolicy.outlierDetection).toMatchObject({
      consecutive5xxErrors: 5,
      baseEjectionTime: '30s',
      maxEjectionPercent: 100,
    });
    expect(find(set.objects, 'PeerAuthentication')?.spec.mtls).toEqual({ mode: 'STRICT' });
    expect(find(set.objects, 'VirtualService')?.spec.http[0].retries).toMatchObject({ attempts: 3, retryOn: expect.stringContaining('5xx') });
    expect(find(set.objects, 'ServiceEntry')?.spec.ports.map((p: { number: number }) => p.number)).toEqual([7000, 80]);
  });

  it('renders chapter 7’s TrafficPolicy into the destination’s objects: a sourceLabels route first, the pool, the alarm, and the source namespace allowed', () => {
    const policy = seed('policies/irs-fraud.yml') as TrafficPolicy;
    const set = renderService(input(service('fraud-scanner.yaml'), { policies: [policy], sourceNamespaces: { 'return-intake': 'irs' } }));
    const http = find(set.objects, 'VirtualService')?.spec.http;
    expect(http[0]).toMatchObject({
      name: 'policy-fraud-scan-policy',
      match: [{ sourceLabels: { app: 'return-intake' }, sourceNamespace: 'irs' }],
      // 800 ms less 275 ms of back-off (25 + 75 + 175) over 4 tries.
      retries: { attempts: 3, perTryTimeout: '131ms' },
      timeout: '800ms',
    });
    expect(http[1].name).toBe('default');
    expect(find(set.objects, 'DestinationRule')?.spec.trafficPolicy.connectionPool).toEqual({ tcp: { maxConnections: 1000 } });
    expect(set.breakerAlarm).toEqual({ errorPercent: 20, resetSeconds: 30 });
    expect(set.reasons.join('\n')).toMatch(/errorPercent 20 .* has no Istio field/);
    expect(find(set.objects, 'AuthorizationPolicy')?.spec.rules).toEqual([{ from: [{ source: { namespaces: ['default', 'irs'] } }] }]);
  });

  it("splits what the timeout leaves after Envoy's longest back-off over the tries, and says so truthfully when it is too short", () => {
    const svc = service('manifests/notification.yaml');
    const route = (timeoutMs: number) => {
      const set = renderService(input({ ...svc, spec: { ...svc.spec, timeoutMs } }));
      return { http: find(set.objects, 'VirtualService')?.spec.http[0], reasons: set.reasons.join('\n') };
    };
    // 3 retries wait below 25, 75 and 175 ms: 275 ms set aside, (900 - 275) / 4 = 156 ms a try.
    expect(route(900).http).toMatchObject({ timeout: '900ms', retries: { attempts: 3, perTryTimeout: '156ms' } });
    expect(route(900).reasons).toMatch(/perTryTimeout 156ms: the timeout less 275 ms, .* so all 4 tries and the waits between them fit in the timeout/);
    const perTry = Number.parseInt(route(900).http.retries.perTryTimeout, 10);
    expect(4 * perTry + retryBackoffBudgetMs(3)).toBeLessThanOrEqual(900);
    // Enough for 4 even tries, not for the back-off too.
    expect(route(278).http).toMatchObject({ timeout: '278ms', retries: { perTryTimeout: '1ms' } });
    expect(route(278).reasons).toMatch(/leaves no time for 4 tries .*up to 275 ms\) is counted, so the timeout may end the request before every try can run/);
    expect(route(2).http).toMatchObject({ timeout: '2ms', retries: { perTryTimeout: '1ms' } });
  });

  it("sets aside Envoy's back-off budget: waits below (2^n - 1) x 25 ms, each at most 250 ms", () => {
    expect([0, 1, 2, 3, 4, 5].map(retryBackoffBudgetMs)).toEqual([0, 25, 100, 275, 525, 775]);
  });

  it('answers a pause with a first directResponse route of 503 Service Paused that carries no retry', () => {
    const svc = service('fraud-scanner.yaml');
    const pause = {
      service: 'fraud-scanner',
      namespace: 'default',
      until: '2026-12-03T18:00:00.000Z',
      by: 'ops',
      createdAt: '2026-12-03T17:30:00.000Z',
      version: 1,
    };
    const http = find(renderService(input(svc, { pause })).objects, 'VirtualService')?.spec.http;
    expect(http[0]).toEqual({ name: 'pause', match: [{ uri: { prefix: '/' } }], directResponse: { status: 503, body: { string: PAUSE_BODY } } });
  });

  it('says what a pause does not stop: the VirtualService names no gateways, so only callers in the mesh get the 503', () => {
    const svc = service('fraud-scanner.yaml');
    const pause = {
      service: 'fraud-scanner',
      namespace: 'default',
      until: '2026-12-03T18:00:00.000Z',
      by: 'ops',
      createdAt: '2026-12-03T17:30:00.000Z',
      version: 1,
    };
    const sidecar = renderService(input(svc, { pause }));
    expect(find(sidecar.objects, 'VirtualService')?.spec.gateways).toBeUndefined();
    const said = sidecar.reasons.find((r) => r.startsWith('Paused until'));
    expect(said).toMatch(/callers in the mesh \(through their sidecar, or in ambient mode the Service’s waypoint\) get 503/);
    expect(said).toMatch(/still reaching its pods: traffic entering through an ingress gateway bound by a VirtualService of your own/);
    expect(said).toMatch(/callers outside the mesh \(no sidecar\), and in ambient mode without a waypoint every caller/);
    expect(said).not.toMatch(/only if a waypoint serves/);
    const ambient = renderService(input(svc, { pause, mode: 'ambient' }));
    expect(ambient.reasons.find((r) => r.startsWith('Paused until'))).toMatch(/the pause takes effect only if a waypoint serves the Service/);
  });
});
