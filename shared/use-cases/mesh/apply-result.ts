import type { ManifestFormat, ObjectRef, RegistryEntry } from '#domain/mesh/canonical.ts';
import type { KubeObject } from '#domain/mesh/kube-resources.ts';

/**
 * What happened to one rendered object: created (absent before), configured (changed),
 * unchanged (the server-side apply changed nothing), or pruned (no longer rendered, deleted).
 */
export interface ObjectChange {
  ref: ObjectRef;
  action: 'created' | 'configured' | 'unchanged' | 'pruned';
  /** Lines saying what differs between the live object and the rendered one (object-diff.ts); empty when unchanged. */
  diff: string[];
  /** The rendered object (a dry run shows it); absent for a pruned one. */
  object?: KubeObject;
}

/** One line of the command's output, printed ✓ or ✗: only for a step that happened. */
export interface ApplyStep {
  ok: boolean;
  text: string;
}

/** The answer of POST /manifests, POST /policies and `hms-sys deploy|apply`. */
export interface ApplyResult {
  kind: 'MeshService' | 'TrafficPolicy';
  /** The accepted format the file was written in. */
  format: ManifestFormat;
  /** The service's name, or the policy's. */
  name: string;
  namespace: string;
  dryRun: boolean;
  steps: ApplyStep[];
  objects: ObjectChange[];
  /** Chapter 12's printed URL: http://<name>.mesh<first route>, served on port 80 by the ServiceEntry. */
  serviceUrl?: string;
  /** http://<name>.mesh:<port>, the registry's URL. */
  meshUrl?: string;
  entry?: RegistryEntry;
  /** The rendering's reasons, in words (the seeds' words mapped to Istio's). */
  reasons: string[];
}
