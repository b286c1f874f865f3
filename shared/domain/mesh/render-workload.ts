import type { MeshMode, MeshService } from './canonical.ts';
import { type KubeObject, MESH_JOIN_LABEL, MESH_MODE_LABELS, SERVICE_LABEL } from './kube-resources.ts';
import { envelope } from './render-common.ts';

/** The pods' labels: the manifest's own, then app, version, the mesh join label and the mode's Istio label (hms-sys's win). */
export function podLabelsOf(service: MeshService, mode: MeshMode): Record<string, string> {
  const { name } = service.metadata;
  const labels: Record<string, string> = { ...service.spec.podLabels, app: name };
  if (service.spec.version !== undefined) labels.version = service.spec.version;
  labels[MESH_JOIN_LABEL] = 'enabled';
  labels[SERVICE_LABEL] = name;
  return { ...labels, ...MESH_MODE_LABELS[mode] };
}

/**
 * The Deployment, without spec.replicas: the autoscale rule owns the count, and a server-side-apply
 * owner of replicas would set it back on every apply. The deploy flow raises the scale to scaling.min
 * through the Cluster port after the apply.
 */
export function renderDeployment(service: MeshService, mode: MeshMode, reasons: string[]): KubeObject | undefined {
  const { name } = service.metadata;
  const { image, port } = service.spec;
  if (image === undefined) {
    reasons.push(`No image: no Deployment is rendered; the pods labelled app=${name} are the user's own and the Service selects them.`);
    return undefined;
  }
  const modeWords =
    mode === 'sidecar'
      ? 'sidecar.istio.io/inject=true, so Istio injects its sidecar into each pod'
      : 'istio.io/dataplane-mode=ambient, so ztunnel carries its traffic without a sidecar';
  const extra = [
    ...(service.spec.version === undefined ? [] : [`version=${service.spec.version} (the manifest's version)`]),
    ...Object.keys(service.spec.podLabels).filter((k) => !(k in podLabelsOf({ ...service, spec: { ...service.spec, podLabels: {} } }, mode))),
  ];
  reasons.push(
    `Deployment ${name}: image ${image}, container port ${port} named http; pods labelled app=${name}${extra.length ? `, ${extra.join(', ')}` : ''}, hms/mesh=enabled and ${modeWords}.`,
  );
  reasons.push(`Deployment ${name} has no spec.replicas: the autoscale rule owns the pod count, so an apply never resets it.`);
  return envelope('Deployment', service, {
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: podLabelsOf(service, mode) },
        spec: { containers: [{ name, image, ports: [{ name: 'http', containerPort: port, protocol: 'TCP' }] }] },
      },
    },
  });
}

/** The Kubernetes Service: the cluster DNS name and the port Istio routes to; the port's name tells Istio it is HTTP. */
export function renderKubeService(service: MeshService, reasons: string[]): KubeObject {
  const { name, namespace } = service.metadata;
  const { port } = service.spec;
  reasons.push(`Service ${name}: ${name}.${namespace}.svc.cluster.local port ${port} (named http, appProtocol http) to the pods labelled app=${name}.`);
  return envelope(
    'Service',
    service,
    {
      spec: {
        selector: { app: name },
        ports: [{ name: 'http', port, targetPort: port, protocol: 'TCP', appProtocol: 'http' }],
      },
    },
    { app: name },
  );
}
