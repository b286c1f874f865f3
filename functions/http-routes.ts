import type { RouteTrigger } from '#domain/triggers.ts';
import type { ApiOperationId } from './api/triggers.ts';
import type { AuditDigestOperationId } from './audit-digest/triggers.ts';
import type { CostOperationId } from './cost-api/triggers.ts';
import * as declared from './index.ts';
import type { MeshOperationId } from './mesh/triggers.ts';
import type { MeshOpsOperationId } from './mesh-ops/triggers.ts';
import type { OpenApiOperationId } from './openapi/triggers.ts';
import type { SecretOperationId } from './secrets-api/triggers.ts';

/** Every operation the declared HTTP routes name: the keys the contract, the response schemas and the operation tables must cover. */
export type OperationId =
  | ApiOperationId
  | AuditDigestOperationId
  | CostOperationId
  | MeshOperationId
  | MeshOpsOperationId
  | OpenApiOperationId
  | SecretOperationId;

/** Every HTTP route of every declared function, with the function that serves it. */
export const httpRoutes: ReadonlyArray<RouteTrigger & { functionName: string }> = Object.values(declared).flatMap((declaration) =>
  declaration.triggers.flatMap((trigger) => (trigger.kind === 'http' ? [{ ...trigger, functionName: declaration.name }] : [])),
);
