import type { Endpoint, ObjectRef } from '#domain/mesh/canonical.ts';
import {
  collectionPath,
  FIELD_MANAGER,
  type KubeObject,
  type KubeResource,
  MESH_RESOURCES,
  objectPath,
  RENDERED_KINDS,
  resourceOf,
} from '#domain/mesh/kube-resources.ts';
import { ClusterNotFoundError, PortError } from '#ports/errors.ts';
import type { ApplyOptions, MeshCluster } from '#ports/mesh-cluster.ts';
import { type KubeCall, kubeCall } from './kubernetes-calls.ts';
import { KubernetesCluster, parsed } from './kubernetes-cluster.ts';
import { endpointSliceItem, listedObject, readyEndpointsOf } from './kubernetes-mesh-shapes.ts';
import type { KubeRequest } from './kubernetes-request.ts';

/**
 * Istio's root certificate, published by istiod in every namespace (root-cert.pem): the one object
 * outside the rendered kinds hms-sys reads. No Secret is read: the cacerts Secret holds the mesh CA's
 * signing key, and RBAC cannot grant some keys of a Secret without the rest.
 */
export const MESH_ROOT_CERT_CONFIGMAP = 'istio-ca-root-cert';

const rendered = (verb: KubeCall['verb']) =>
  RENDERED_KINDS.map((kind) => kubeCall(verb, MESH_RESOURCES[kind].group, MESH_RESOURCES[kind].plural, 'workload-namespace'));

/**
 * The requests each MeshCluster method sends (kubernetes-calls.ts), checked against its requests
 * by a test; the RBAC group hms-sys:mesh is derived from them and MESH_APPLY_CREATES.
 */
export const MESH_CALLS = Object.freeze({
  apply: rendered('patch'),
  get: [...rendered('get'), Object.freeze({ ...kubeCall('get', '', 'configmaps', 'workload-namespace'), resourceNames: [MESH_ROOT_CERT_CONFIGMAP] })],
  list: rendered('list'),
  delete: rendered('delete'),
  readyEndpoints: [kubeCall('list', 'discovery.k8s.io', 'endpointslices', 'workload-namespace')],
} satisfies Record<keyof MeshCluster, readonly KubeCall[]>);

/**
 * A server-side apply that creates its object is authorized as `create` as well as `patch`
 * (https://kubernetes.io/docs/reference/using-api/server-side-apply/#rbac-and-permissions), so
 * apply needs these too, though no request says so.
 */
export const MESH_APPLY_CREATES: readonly KubeCall[] = Object.freeze(rendered('create'));

/** Server-side apply's patch type; a JSON body is valid YAML, so the object goes as JSON. */
export const APPLY_PATCH = 'application/apply-patch+yaml';

/** The MeshCluster port over the Kubernetes REST API, with the Cluster port's retries and error mapping. */
export class KubernetesMesh extends KubernetesCluster implements MeshCluster {
  /**
   * PATCH ?fieldManager=hms-sys with the apply patch type and no force, so a field another manager
   * owns with another value is a 409 Conflict (a Status whose causes name the fields) rather than
   * taken over; a field hms-sys applied before and no longer sends is removed by the server, and
   * an absent object is created. fieldValidation=Strict makes an unknown field a 422, not a silent drop.
   * https://kubernetes.io/docs/reference/using-api/server-side-apply/ and
   * https://kubernetes.io/docs/reference/using-api/api-concepts/#dry-run (dryRun=All).
   */
  async apply(cluster: string, object: KubeObject, options: ApplyOptions = {}): Promise<KubeObject> {
    const { resource, namespace } = target(object);
    const query = new URLSearchParams({ fieldManager: FIELD_MANAGER, fieldValidation: 'Strict' });
    if (options.dryRun) query.set('dryRun', 'All');
    const request: KubeRequest = {
      method: 'PATCH',
      path: `${objectPath(resource, namespace, object.metadata.name)}?${query}`,
      contentType: APPLY_PATCH,
      body: object,
    };
    const body = await this.call({ cluster, namespace }, request, { verb: 'patch', resource: resource.plural });
    return parsed(() => kubeObject(body, resource), resource.kind);
  }

  async get(cluster: string, ref: ObjectRef): Promise<KubeObject | null> {
    const resource = known(ref);
    try {
      const body = await this.call(
        { cluster, namespace: ref.namespace },
        { method: 'GET', path: objectPath(resource, ref.namespace, ref.name) },
        { verb: 'get', resource: resource.plural },
      );
      return parsed(() => kubeObject(body, resource), resource.kind);
    } catch (err) {
      if (err instanceof ClusterNotFoundError && err.object === 'workload') return null;
      throw err;
    }
  }

  /** Every page of the collection; a list's items carry no apiVersion or kind, so they are set here. */
  async list(cluster: string, kind: Pick<ObjectRef, 'apiVersion' | 'kind'>, namespace: string, labelSelector: string): Promise<KubeObject[]> {
    const resource = known(kind);
    const items = await this.listAll({ cluster, namespace }, collectionPath(resource, namespace), new URLSearchParams({ labelSelector }), listedObject, {
      verb: 'list',
      resource: resource.plural,
    });
    return items.map((item) => ({ ...item, apiVersion: kind.apiVersion, kind: kind.kind }));
  }

  /**
   * DELETE with DeleteOptions.preconditions.uid: an object deleted and made anew under the same
   * name (another uid) is a 409 and stays. An object already gone (404) is what was wanted.
   * https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/delete-options/
   */
  async delete(cluster: string, ref: ObjectRef, uid: string, options: ApplyOptions = {}): Promise<void> {
    const resource = known(ref);
    const query = options.dryRun ? '?dryRun=All' : '';
    const request: KubeRequest = {
      method: 'DELETE',
      path: `${objectPath(resource, ref.namespace, ref.name)}${query}`,
      body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid }, propagationPolicy: 'Background' },
    };
    try {
      await this.call({ cluster, namespace: ref.namespace }, request, { verb: 'delete', resource: resource.plural });
    } catch (err) {
      if (err instanceof ClusterNotFoundError && err.object === 'workload') return;
      throw err;
    }
  }

  /** The Service's EndpointSlices (label kubernetes.io/service-name), their Ready endpoints. */
  async readyEndpoints(cluster: string, namespace: string, service: string): Promise<Endpoint[]> {
    const slices = await this.listAll(
      { cluster, namespace },
      collectionPath(MESH_RESOURCES.EndpointSlice, namespace),
      new URLSearchParams({ labelSelector: `kubernetes.io/service-name=${service}` }),
      endpointSliceItem,
      { verb: 'list', resource: 'endpointslices' },
    );
    return readyEndpointsOf(slices);
  }
}

/** The resource of a kind hms-sys knows; anything else is a bug of the caller, never sent. */
function known(ref: Pick<ObjectRef, 'apiVersion' | 'kind'>): KubeResource {
  const resource = resourceOf(ref.apiVersion, ref.kind);
  if (!resource) throw new PortError(`hms-sys's mesh adapter does not manage ${ref.kind} of ${ref.apiVersion}`);
  return resource;
}

function target(object: KubeObject): { resource: KubeResource; namespace: string } {
  const resource = known(object);
  const namespace = object.metadata.namespace;
  if (!namespace) throw new PortError(`${object.kind} ${object.metadata.name} names no namespace`);
  return { resource, namespace };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function kubeObject(body: unknown, resource: KubeResource): KubeObject {
  if (!isRecord(body) || !isRecord(body.metadata) || typeof body.metadata.name !== 'string') throw new Error('not an object with metadata.name');
  if (body.kind !== resource.kind) throw new Error(`expected a ${resource.kind}, got ${String(body.kind)}`);
  return body as KubeObject;
}
