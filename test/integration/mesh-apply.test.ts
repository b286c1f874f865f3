import { describe, expect, it } from 'vitest';
import { responseChecker } from '../unit/functions/openapi-responses.ts';
import { labelled, live, seed, sendFile } from './mesh-fixture.ts';
import { useSandbox } from './sandbox-fixture.ts';

const sb = useSandbox();
const RECEIPT = seed('receipt.hms.yml');
const NOTIFICATION = seed('manifests/notification.yaml');
const serviceRef = { apiVersion: 'v1', kind: 'Service', namespace: 'default', name: 'receipt-svc' };
const drRef = { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', namespace: 'default', name: 'notification-svc' };

/**
 * Chapter 12's and chapter 10's files, applied over HTTP as `hms-sys deploy` and `hms sys apply`
 * send them, and read back from the simulator as kubectl would.
 */
describe('POST /manifests', () => {
  it("deploys receipt.hms.yml: every object rendered and applied, registered, and the seed's URL", async () => {
    const answer = await sendFile(sb, '/manifests', RECEIPT);
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.body).toMatchObject({ kind: 'MeshService', format: 'chapter-12-service', name: 'receipt-svc', namespace: 'default', dryRun: false });
    expect(answer.body.serviceUrl).toBe('http://receipt-svc.mesh/receipt');
    expect(answer.body.meshUrl).toBe('http://receipt-svc.mesh:3000');
    const texts = answer.body.steps.map((s: { text: string }) => s.text);
    expect(texts).toContain('Registered in service mesh');
    expect(texts).toContain('Auto-scaler set (2-10)');
    expect(texts.some((t: string) => /Image pulled/.test(t))).toBe(false);
    expect(new Set(answer.body.objects.map((o: { action: string }) => o.action))).toEqual(new Set(['created']));

    // Every object the answer names is in the cluster, labelled; with no circuit breaker there is no DestinationRule to render.
    const objects = await labelled(sb, 'default', 'receipt-svc');
    const kinds = objects.map((o) => o.kind).sort();
    expect(kinds).toEqual(answer.body.objects.map((o: { ref: { kind: string } }) => o.ref.kind).sort());
    expect(kinds).toEqual(['AuthorizationPolicy', 'Deployment', 'PeerAuthentication', 'Service', 'ServiceEntry', 'VirtualService']);
    for (const object of objects) expect(object.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('hms-sys');
    const service = await live(sb, serviceRef);
    expect((service?.spec as { ports: { port: number }[] } | undefined)?.ports[0]?.port).toBe(3000);
  });

  it('changes nothing on a second apply of the same file', async () => {
    const before = await live(sb, serviceRef);
    const again = await sendFile(sb, '/manifests', RECEIPT);
    expect(again.status).toBe(201);
    expect(new Set(again.body.objects.map((o: { action: string }) => o.action))).toEqual(new Set(['unchanged']));
    expect((await live(sb, serviceRef))?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
  });

  it('shows, on a dry run, each rendered object and its diff against the cluster, and changes nothing', async () => {
    const before = await live(sb, serviceRef);
    const moved = RECEIPT.replace('port: 3000', 'port: 3100');
    const preview = await sendFile(sb, '/manifests?dryRun=true', moved);
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(preview.body.dryRun).toBe(true);
    const change = preview.body.objects.find((o: { ref: { kind: string } }) => o.ref.kind === 'Service');
    expect(change.action).toBe('configured');
    expect(change.diff.join('\n')).toMatch(/3000/);
    expect(change.object.spec.ports[0].port).toBe(3100);
    expect((await live(sb, serviceRef))?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
  });

  it('removes from the cluster a field removed from the file', async () => {
    expect((await sendFile(sb, '/manifests', NOTIFICATION)).status).toBe(201);
    const withBreaker = await live(sb, drRef);
    expect((withBreaker?.spec as { trafficPolicy?: { outlierDetection?: unknown } } | undefined)?.trafficPolicy?.outlierDetection).toBeDefined();
    const without = NOTIFICATION.replace(/ {2}circuit_breaker:\n {4}max_failures: 5\n {4}reset_seconds: 30\n/, '');
    expect(without).not.toMatch(/circuit_breaker/);
    const answer = await sendFile(sb, '/manifests', without);
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    const after = await live(sb, drRef);
    expect((after?.spec as { trafficPolicy?: { outlierDetection?: unknown } } | undefined)?.trafficPolicy?.outlierDetection).toBeUndefined();
  });

  it('refuses a manifest over an object hms-sys did not create, and applies nothing', async () => {
    // benefits/receipt-svc is the sandbox's seeded Deployment, not hms-sys's.
    const foreign = `namespace: benefits\n${RECEIPT.replace('name: receipt-svc', 'name: eligibility-api')}`;
    const answer = await sendFile(sb, '/manifests', foreign);
    expect(answer.status, JSON.stringify(answer.body)).toBe(409);
    expect(answer.body.error.code).toBe('not_managed_by_hms_sys');
    expect(await labelled(sb, 'benefits', 'eligibility-api')).toEqual([]);
    expect((await sb.http('GET', '/registry/eligibility-api')).status).toBe(404);
  });
});

describe('the mesh answers match the served OpenAPI document', () => {
  it('for an apply, its dry run, the registry, the policies, a pause and the status', async () => {
    const { check } = responseChecker((await sb.http('GET', '/openapi.json')).body);
    const expectDocumented = (method: string, template: string, answer: { status: number; body: unknown }) =>
      expect(check(method, template, answer.status, answer.body), JSON.stringify(answer.body)).toBeNull();
    expectDocumented('POST', '/manifests', await sendFile(sb, '/manifests', RECEIPT));
    expectDocumented('POST', '/manifests', await sendFile(sb, '/manifests?dryRun=true', RECEIPT));
    expectDocumented('POST', '/manifests', await sendFile(sb, '/manifests', 'port: [', 'application/yaml'));
    expectDocumented('GET', '/registry', await sb.http('GET', '/registry'));
    expectDocumented('GET', '/registry/{name}', await sb.http('GET', '/registry/receipt-svc'));
    expectDocumented('GET', '/registry/{name}', await sb.http('GET', '/registry/nobody'));
    expectDocumented('GET', '/policies', await sb.http('GET', '/policies'));
    expectDocumented('POST', '/policies/pause', await sb.http('POST', '/policies/pause?dryRun=true', { service: 'receipt-svc', durationMin: 30 }));
    expectDocumented('POST', '/policies/pause', await sb.http('POST', '/policies/pause', { service: 'receipt-svc', durationMin: 30 }));
    expectDocumented('GET', '/policies/pause', await sb.http('GET', '/policies/pause'));
    expectDocumented('GET', '/mesh/status', await sb.http('GET', '/mesh/status'));
    expectDocumented('DELETE', '/policies/pause/{service}', await sb.http('DELETE', '/policies/pause/receipt-svc'));
  });
});
