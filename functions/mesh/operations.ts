import type { OperationTable } from '#functions/http/operation-table.ts';
import type { MeshPorts } from '#ports/ports.ts';
import { applyManifest, applyPolicy } from '#use-cases/mesh/apply.ts';
import { meshStatus } from '#use-cases/mesh/mesh-status.ts';
import { listPauses, pauseService, resumeService } from '#use-cases/mesh/pause.ts';
import { listPolicies } from '#use-cases/mesh/policies.ts';
import { getRegistryEntry, listRegistry } from '#use-cases/mesh/registry.ts';
import type { MeshOperationId } from './triggers.ts';

/** The file's text and how it was sent, as the use cases take them. */
const sent = (body: { text: string; contentType?: string | undefined }, dryRun: boolean) => ({
  dryRun,
  ...(body.contentType ? { contentType: body.contentType } : {}),
});
const from = (query: { from?: string | undefined }) => (query.from ? { from: query.from } : {});

/** The mesh function's operations: one per route it declares, each typed by its contract and answer. */
export const meshOperations: OperationTable<MeshOperationId, MeshPorts> = {
  applyManifest: (r) => applyManifest(r.ports, r.caller, r.body.text, sent(r.body, r.dryRun)),
  applyPolicy: (r) => applyPolicy(r.ports, r.caller, r.body.text, sent(r.body, r.dryRun)),
  listRegistry: async (r) => ({ services: await listRegistry(r.ports, from(r.query)) }),
  getRegistryEntry: (r) => getRegistryEntry(r.ports, r.path.name, from(r.query)),
  listPolicies: async (r) => ({ policies: await listPolicies(r.ports) }),
  pauseService: (r) => pauseService(r.ports, r.caller, r.body, { dryRun: r.dryRun }),
  listPauses: async (r) => ({ pauses: await listPauses(r.ports) }),
  resumeService: (r) => resumeService(r.ports, r.caller, r.path.service, { dryRun: r.dryRun }),
  meshStatus: (r) => meshStatus(r.ports),
};
