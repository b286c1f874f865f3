import { describe, expect, it } from 'vitest';
import { pod, proxyHarness } from './mesh-data-plane-fixture.ts';

const URL_80 = 'http://receipt-svc.mesh/receipt';
const policy = (name: string, spec: Record<string, unknown>, namespace = 'default') => ({
  apiVersion: 'security.istio.io/v1',
  kind: 'AuthorizationPolicy',
  metadata: { name, namespace, uid: name, resourceVersion: '1', generation: 1 },
  spec,
});

describe("the local data plane: AuthorizationPolicy at the destination's sidecar", () => {
  it('lets callers in the allowed namespaces through and answers 403 "RBAC: access denied" to others, without reaching a pod', async () => {
    const h = await proxyHarness((o) => {
      o.pods.push(pod('tax-portal-x', '10.3.0.1', { app: 'tax-portal' }, 'treasury'));
      o.authorizationPolicies.push(
        policy('receipt-svc', {
          selector: { matchLabels: { app: 'receipt-svc' } },
          action: 'ALLOW',
          rules: [{ from: [{ source: { namespaces: ['default'] } }] }],
        }),
      );
    });
    expect((await h.call(URL_80, { as: 'return-intake' })).status).toBe(200);
    const denied = await h.call(URL_80, { as: 'tax-portal' });
    expect(denied).toMatchObject({ status: 403, body: 'RBAC: access denied' });
    expect(h.requestsTo('receipt-svc-a') + h.requestsTo('receipt-svc-b')).toBe(1);
    const seen = h.telemetry
      .snapshot()
      .map((s) => `${s.labels.reporter} ${s.labels.source_workload}/${s.labels.source_workload_namespace} ${s.labels.response_code}`);
    expect(seen).toContain('source tax-portal/treasury 403');
    expect(seen).toContain('destination tax-portal/treasury 403');
  });

  it('denies on a matching DENY, reads operation paths and methods, and treats a condition it cannot read as denying', async () => {
    const h = await proxyHarness((o) =>
      o.authorizationPolicies.push(
        policy('no-admin', { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin*'] } }] }] }),
        policy('only-post', { selector: { matchLabels: { app: 'receipt-svc' } }, rules: [{ to: [{ operation: { methods: ['POST'] } }] }] }),
      ),
    );
    expect((await h.call('http://receipt-svc.mesh/admin/keys', { as: 'return-intake', method: 'POST' })).status).toBe(403);
    expect((await h.call(URL_80, { as: 'return-intake' })).status).toBe(403);
    expect((await h.call(URL_80, { as: 'return-intake', method: 'POST' })).status).toBe(200);
    h.objects.authorizationPolicies.push(policy('by-time', { action: 'DENY', rules: [{ when: [{ key: 'request.time', values: ['x'] }] }] }));
    await h.install();
    expect((await h.call(URL_80, { as: 'return-intake', method: 'POST' })).status).toBe(403);
  });

  it('checks nothing for a caller that names no known workload: it carries no identity (see the README)', async () => {
    const h = await proxyHarness((o) => o.authorizationPolicies.push(policy('deny-all', { action: 'ALLOW', rules: [] })));
    expect((await h.call(URL_80, { as: 'return-intake' })).status).toBe(403);
    expect((await h.call(URL_80)).status).toBe(200);
  });
});
