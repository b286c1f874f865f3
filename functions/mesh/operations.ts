import { UnprocessableError, ValidationError } from '#domain/errors.ts';
import { parseManifest } from '#domain/mesh/manifest-parse.ts';
import type { OperationTable } from '#functions/http/operation-table.ts';
import type { MeshPorts } from '#ports/ports.ts';
import { applyManifest, applyPolicy } from '#use-cases/mesh/apply.ts';
import { meshStatus } from '#use-cases/mesh/mesh-status.ts';
import { deletePolicy, listPolicies } from '#use-cases/mesh/policies.ts';
import { getRegistryEntry, listRegistry } from '#use-cases/mesh/registry.ts';
import type { MeshOperationId } from './triggers.ts';

/** The file's text and how it was sent, as the use cases take them. */
const sent = (body: { text: string; contentType?: string | undefined }, dryRun: boolean) => ({
  dryRun,
  ...(body.contentType ? { contentType: body.contentType } : {}),
});
/**
 * The ports with `namespace` as the namespace of a file that names none (`?namespace=`, `hms-sys deploy
 * --namespace`). It must be one hms-sys manages, and a file that names another is refused before
 * anything is applied, as kubectl refuses a namespace that differs from the object's own.
 */
function inNamespace(ports: MeshPorts, body: { text: string; contentType?: string | undefined }, namespace: string | undefined): MeshPorts {
  if (namespace === undefined) return ports;
  const { managedNamespaces } = ports.meshConfig;
  if (!managedNamespaces.includes(namespace)) {
    throw new UnprocessableError(
      'namespace_not_managed',
      `namespace ${namespace} is not one hms-sys manages (${managedNamespaces.join(', ')})`,
      'query.namespace',
    );
  }
  const options = { defaultNamespace: namespace, managedNamespaces, ...(body.contentType ? { contentType: body.contentType } : {}) };
  const named = parseManifest(body.text, options).document.metadata.namespace;
  if (named !== namespace) throw new ValidationError(`the file names namespace ${named}, not ${namespace}: give one or the other`, 'query.namespace');
  return { ...ports, meshConfig: { ...ports.meshConfig, defaultNamespace: namespace } };
}
const from = (query: { from?: string | undefined }) => (query.from ? { from: query.from } : {});

/** The mesh function's operations: one per route it declares, each typed by its contract and answer. */
export const meshOperations: OperationTable<MeshOperationId, MeshPorts> = {
  applyManifest: async (r) => applyManifest(inNamespace(r.ports, r.body, r.query.namespace), r.caller, r.body.text, sent(r.body, r.dryRun)),
  applyPolicy: async (r) => applyPolicy(inNamespace(r.ports, r.body, r.query.namespace), r.caller, r.body.text, sent(r.body, r.dryRun)),
  listRegistry: async (r) => ({ services: await listRegistry(r.ports, from(r.query)) }),
  getRegistryEntry: (r) => getRegistryEntry(r.ports, r.path.name, from(r.query)),
  listPolicies: async (r) => ({ policies: await listPolicies(r.ports) }),
  deletePolicy: (r) => deletePolicy(r.ports, r.caller, r.path.name, { dryRun: r.dryRun }),
  meshStatus: (r) => meshStatus(r.ports),
};
