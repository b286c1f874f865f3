import { describe, expect, it } from 'vitest';
import { labelled, live, seed, sendFile } from './mesh-fixture.ts';
import { useSandbox } from './sandbox-fixture.ts';

const sb = useSandbox();
const NAMESPACES = ['default', 'irs', 'benefits', 'fema'];
const manifest = (name: string, port: number, namespace = 'default') =>
  `name: ${name}\nnamespace: ${namespace}\nversion: 1.0.${port}\nimage: ghcr.io/gov/race:${port}\nport: ${port}\nroutes: [{path: /race, methods: [POST]}]\nscaling: {min: 1, max: ${port - 7990}}\n`;

/** Every object labelled with the service, in every managed namespace, as `kubectl get … -A -l hms-sys.io/service=NAME` lists them. */
async function everywhere(name: string) {
  return (await Promise.all(NAMESPACES.map((ns) => labelled(sb, ns, name)))).flat();
}

/**
 * Concurrent POST /manifests and POST /policies over HTTP, then the simulator's objects (as kubectl
 * reads them) and GET /registry must tell one story.
 */
describe('concurrent applies over HTTP', () => {
  // Five at once: the mesh function's reserved concurrency (a sixth is throttled, 500, as API Gateway answers).
  it('five POST /manifests of one new name, ports 8000–8004: the registry, the objects and the rule end on one port', async () => {
    const ports = [8000, 8001, 8002, 8003, 8004];
    const answers = await Promise.all(ports.map((p) => sendFile(sb, '/manifests', manifest('race-svc', p))));
    for (const a of answers) expect([201, 409], JSON.stringify(a.body)).toContain(a.status);
    expect(answers.filter((a) => a.status === 409).map((a) => a.body.error.code)).toEqual(
      answers.filter((a) => a.status === 409).map(() => 'apply_superseded'),
    );
    expect(answers.some((a) => a.status === 201)).toBe(true);

    const entry = await sb.http('GET', '/registry/race-svc');
    expect(entry.status).toBe(200);
    expect(entry.body.applying).toBeUndefined();
    const port: number = entry.body.port;
    const objects = await everywhere('race-svc');
    expect(objects.map((o) => o.metadata.namespace).every((ns) => ns === 'default')).toBe(true);
    expect(objects.map((o) => o.kind).sort()).toEqual(entry.body.objects.map((r: { kind: string }) => r.kind).sort());
    for (const o of objects) {
      const spec = JSON.stringify(o.spec);
      for (const other of ports.filter((p) => p !== port)) expect(spec, `${o.kind} mentions ${other}, the registry ${port}`).not.toContain(String(other));
    }
    const service = await live(sb, { apiVersion: 'v1', kind: 'Service', namespace: 'default', name: 'race-svc' });
    expect(service).not.toBeNull();
    expect((service?.spec as { ports: { port: number }[] } | undefined)?.ports[0]?.port).toBe(port);
    const rules = (await sb.http('GET', '/autoscale-rules')).body.rules;
    const mine = rules.filter((r: { service: string }) => r.service === 'race-svc');
    expect(mine.map((r: { ruleId: string; maxReplicas: number }) => [r.ruleId, r.maxReplicas])).toEqual([[entry.body.ruleId, port - 7990]]);
  });

  it('four POST /manifests of one name in four namespaces: one 201, three 409 name_taken, objects in one namespace only', async () => {
    const answers = await Promise.all(NAMESPACES.map((ns, i) => sendFile(sb, '/manifests', manifest('ns-race', 8000 + i, ns))));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409]);
    for (const a of answers.filter((x) => x.status === 409)) expect(a.body.error.code).toBe('name_taken');
    const entry = (await sb.http('GET', '/registry/ns-race')).body;
    const objects = await everywhere('ns-race');
    expect(new Set(objects.map((o) => o.metadata.namespace))).toEqual(new Set([entry.namespace]));
    expect((await sb.http('GET', '/services/ns-race')).body.namespace).toBe(entry.namespace);
  });

  it('two POST /policies to one destination at once: both listed, and the VirtualService routes both', async () => {
    for (const file of ['fraud-scanner.yaml', 'return-intake.yaml', 'receipt.hms.yml']) expect((await sendFile(sb, '/manifests', seed(file))).status).toBe(201);
    const first = seed('policies/irs-fraud.yml');
    const second = first.replace('name: fraud-scan-policy', 'name: receipt-fraud-policy').replace('source: return-intake', 'source: receipt-svc');
    const answers = await Promise.all([sendFile(sb, '/policies', first), sendFile(sb, '/policies', second)]);
    expect(
      answers.map((a) => a.status),
      JSON.stringify(answers.map((a) => a.body)),
    ).toEqual([201, 201]);
    const listed = (await sb.http('GET', '/policies')).body;
    const names = listed.policies.map((p: { name: string }) => p.name).sort();
    expect(names).toEqual(['fraud-scan-policy', 'receipt-fraud-policy']);
    const entry = (await sb.http('GET', '/registry/fraud-scanner')).body;
    const vs = await live(sb, { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace: entry.namespace, name: 'fraud-scanner' });
    const text = JSON.stringify(vs?.spec);
    expect(text).toContain('"sourceLabels":{"app":"return-intake"}');
    expect(text).toContain('"sourceLabels":{"app":"receipt-svc"}');
  });
});
