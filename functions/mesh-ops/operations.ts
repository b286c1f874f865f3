import type { OperationTable } from '#functions/http/operation-table.ts';
import type { MeshOpsPorts } from '#ports/ports.ts';
import { listPauses, pauseService, resumeService } from '#use-cases/mesh/pause.ts';
import type { MeshOpsOperationId } from './triggers.ts';

/** The mesh-ops function's operations: one per route it declares, each typed by its contract and answer. */
export const meshOpsOperations: OperationTable<MeshOpsOperationId, MeshOpsPorts> = {
  pauseService: (r) => pauseService(r.ports, r.caller, r.body, { dryRun: r.dryRun }),
  listPauses: async (r) => ({ pauses: await listPauses(r.ports) }),
  resumeService: (r) => resumeService(r.ports, r.caller, r.path.service, { dryRun: r.dryRun, reason: r.query.reason }),
};
