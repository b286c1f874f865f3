import { KubernetesMesh } from '#adapters/aws/kubernetes-mesh.ts';
import { startK8sSimulator } from '#adapters/local/k8s-simulator.ts';
import type { KubeObject } from '#domain/mesh/kube-resources.ts';
import { MemoryMeshCluster } from '../use-cases/memory-mesh-cluster.ts';
import { meshClusterContract } from './mesh-cluster-contract.ts';

// The use-case tests' fake and the AWS adapter against the simulator pass the same suite.
meshClusterContract('MemoryMeshCluster', async () => {
  const mesh = new MemoryMeshCluster();
  return {
    mesh,
    cluster: 'local',
    namespace: 'irs',
    applyAs: async (manager, object) => {
      await mesh.applyAs(manager, object);
    },
    readyPods: async (namespace, service, count, port) => {
      mesh.setEndpoints(
        namespace,
        service,
        Array.from({ length: count }, (_, i) => ({ address: `10.1.0.${i + 2}`, port, pod: `${service}-${i}` })),
      );
    },
  };
});

const TOKEN = 'mesh-contract-token';

meshClusterContract('KubernetesMesh on the simulator', async () => {
  const sim = await startK8sSimulator({ token: TOKEN, podReadyDelayMs: 0 });
  const mesh = new KubernetesMesh({ endpointFor: async () => ({ url: sim.url }), tokenFor: async () => TOKEN, policy: { attempts: 2, baseMs: 1, capMs: 2 } });
  // Another field manager's server-side apply, as kubectl apply --server-side sends it.
  const applyAs = async (manager: string, object: KubeObject) => {
    const path = `${sim.url}/api/v1/namespaces/${object.metadata.namespace}/services/${object.metadata.name}`;
    const url =
      object.kind === 'Service'
        ? path
        : `${sim.url}/apis/networking.istio.io/v1/namespaces/${object.metadata.namespace}/serviceentries/${object.metadata.name}`;
    const res = await fetch(`${url}?fieldManager=${manager}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/apply-patch+yaml' },
      body: JSON.stringify(object),
    });
    if (!res.ok) throw new Error(`${manager}'s apply answered ${res.status}: ${await res.text()}`);
  };
  return {
    mesh,
    cluster: 'local',
    namespace: 'irs',
    applyAs,
    readyPods: async (namespace, service, count, port) => {
      sim.seedDeployment({ namespace, name: service, replicas: count });
      await applyAs('test', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: service, namespace },
        spec: { selector: { app: service }, ports: [{ name: 'http', port, targetPort: port }] },
      });
    },
    close: () => sim.close(),
  };
});
