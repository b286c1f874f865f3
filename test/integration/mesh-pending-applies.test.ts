import { describe, expect, it } from 'vitest';
import { until } from '../../bin/mesh-harness.ts';
import { useSandbox } from './sandbox-fixture.ts';

// The mesh function's MeshPendingApplies schedule, on the sandbox's local bus (every second here),
// finishes an apply whose process was killed after claiming its name: nothing else applies it again.
const sb = useSandbox({ meshProxyPort: 0, meshStatsPort: 0, meshTickSeconds: 1 });
const manifest = 'name: pending-svc\nversion: 1.0.0\nimage: ghcr.io/gov/pending:1.0\nport: 8080\nroutes: [{path: /pending}]\nscaling: {min: 1, max: 2}\n';

describe('an apply killed after its claim', () => {
  it('is finished by the mesh function’s schedule: the cluster, and the registry entry no longer applying, take the claimed manifest', async () => {
    const res = await fetch(`${sb.sandbox.url}/manifests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sb.sandbox.tokens.admin}`, 'content-type': 'application/yaml' },
      body: manifest,
    });
    expect(res.status).toBe(201);
    const { meshStore, mesh, meshConfig } = sb.sandbox.mesh.ports;
    const entry = (await meshStore.get('service', 'pending-svc'))!;
    // What a claim of port 8081 stores before its first cluster write; then the process is gone.
    const claimed = { ...entry.manifest, spec: { ...entry.manifest.spec, port: 8081 } };
    await meshStore.put(
      'service',
      { ...entry, manifest: claimed, applying: { by: 'user/killed', at: new Date().toISOString() }, version: entry.version + 1 },
      entry.version,
    );

    const finished = await until('the registry entry finished', async () => {
      const answer = await sb.http('GET', '/registry/pending-svc');
      return answer.body.port === 8081 && answer.body.applying === undefined ? answer.body : undefined;
    });
    expect(finished.meshUrl).toBe('http://pending-svc.mesh:8081');
    const service = await mesh.get(meshConfig.defaultCluster, { apiVersion: 'v1', kind: 'Service', namespace: entry.namespace, name: 'pending-svc' });
    expect(service).not.toBeNull();
    expect((service!.spec as { ports: { port: number }[] }).ports.map((p) => p.port)).toEqual([8081]);
  });
});
