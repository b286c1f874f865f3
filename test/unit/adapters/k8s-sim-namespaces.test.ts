import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type K8sSimulator, startK8sSimulator } from '#adapters/local/k8s-simulator.ts';

const TOKEN = 'namespaces-token';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

async function get(sim: K8sSimulator, path: string, accept = 'application/json') {
  const res = await fetch(`${sim.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}`, accept } });
  return { status: res.status, body: (await res.json()) as any };
}

describe('namespaces in the simulator', () => {
  let sim: K8sSimulator;
  beforeAll(async () => {
    sim = await startK8sSimulator({ token: TOKEN, podReadyDelayMs: 10 });
    sim.seedDeployment({ namespace: 'benefits', name: 'eligibility-api', replicas: 1 });
  });
  afterAll(() => sim.close());

  it('have a creationTimestamp and status.phase Active', async () => {
    const list = await get(sim, '/api/v1/namespaces');
    expect(list.body.items.map((n: any) => n.metadata.name)).toEqual(['benefits', 'default', 'istio-system', 'kube-system']);
    for (const ns of list.body.items) {
      expect(ns.status.phase).toBe('Active');
      expect(ns.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
    expect((await get(sim, '/api/v1/namespaces/benefits')).body.metadata.creationTimestamp).toBe(list.body.items[0].metadata.creationTimestamp);
  });

  it('are served as a Table with the columns of a real cluster: Name, Status, Age', async () => {
    const table = await get(sim, '/api/v1/namespaces', TABLE);
    expect(table.body.kind).toBe('Table');
    expect(table.body.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Status', 'Age']);
    expect(table.body.rows.map((r: any) => r.cells.slice(0, 2))).toEqual([
      ['benefits', 'Active'],
      ['default', 'Active'],
      ['istio-system', 'Active'],
      ['kube-system', 'Active'],
    ]);
    expect(table.body.rows[0].cells[2]).toMatch(/^\d+s$/);
    expect(table.body.rows[0].object).toMatchObject({ kind: 'PartialObjectMetadata', metadata: { name: 'benefits' } });
    const one = await get(sim, '/api/v1/namespaces/default', TABLE);
    expect(one.body.rows).toHaveLength(1);
    expect(one.body.rows[0].cells.slice(0, 2)).toEqual(['default', 'Active']);
  });
});
