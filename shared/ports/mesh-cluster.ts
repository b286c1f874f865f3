import type { Endpoint, ObjectRef } from '#domain/mesh/canonical.ts';
import type { KubeObject } from '#domain/mesh/kube-resources.ts';

export interface ApplyOptions {
  /** ?dryRun=All: the API server validates and answers with the result, and stores nothing. */
  dryRun?: boolean;
}

/**
 * The Kubernetes calls of the mesh control plane, on one EKS cluster (named by `cluster`).
 * Errors: ClusterConflictError for a 409 (a field another manager owns, a precondition that
 * failed), ClusterUnavailableError for 401/403/429/5xx/time-outs after retries, ClusterNotFoundError
 * for an unknown cluster, UnprocessableError-like ClusterInvalidError (422) for an object the API server refused.
 */
export interface MeshCluster {
  /**
   * Server-side apply: PATCH with Content-Type application/apply-patch+yaml and fieldManager=hms-sys,
   * without force, so a field another manager owns is a conflict rather than taken over.
   * https://kubernetes.io/docs/reference/using-api/server-side-apply/
   * Returns the object as the server stored it (or would have, on a dry run).
   */
  apply(cluster: string, object: KubeObject, options?: ApplyOptions): Promise<KubeObject>;
  /** The object, or null when it does not exist. */
  get(cluster: string, ref: ObjectRef): Promise<KubeObject | null>;
  /** Objects of a kind in a namespace that match a label selector (k=v,k2=v2). */
  list(cluster: string, kind: Pick<ObjectRef, 'apiVersion' | 'kind'>, namespace: string, labelSelector: string): Promise<KubeObject[]>;
  /** Deletes the object if its uid is still `uid` (a precondition); an object already gone is fine. */
  delete(cluster: string, ref: ObjectRef, uid: string, options?: ApplyOptions): Promise<void>;
  /** The Ready endpoints of a Service, read from its EndpointSlices (label kubernetes.io/service-name). */
  readyEndpoints(cluster: string, namespace: string, service: string): Promise<Endpoint[]>;
}
