import * as z from 'zod/mini';
import { dnsLabel, dryRunSchema } from '#domain/schemas.ts';
import type { OperationContract } from '#functions/http/request.ts';
import type { MeshOperationId } from './triggers.ts';

/**
 * The content types a manifest or policy may be sent as: its file's text, YAML or JSON (JSON is YAML).
 * Anything else, such as curl's default application/x-www-form-urlencoded, is refused with a hint.
 */
export const MANIFEST_CONTENT_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'application/json', 'text/plain'] as const;

/** A file's text and the content type it came with; the manifest parser reads the format from the text itself. */
export const manifestText = z.object({ text: z.string(), contentType: z.optional(z.string()) });

/** `namespace`: the namespace of a file that names none (`hms-sys deploy --namespace`), instead of the deployment's default. */
const applyQuery = z.strictObject({ dryRun: dryRunSchema, namespace: z.optional(dnsLabel) });
const none = z.strictObject({});
/** `from`: the calling service; discovery across namespaces only where a policy allows it. */
const fromService = z.strictObject({ from: z.optional(dnsLabel) });

/** The request contract of the mesh function's operations (merged into the one contract in functions/api/contract.ts). */
export const meshContract = {
  applyManifest: { query: applyQuery, body: manifestText, textBody: MANIFEST_CONTENT_TYPES, created: true },
  listRegistry: { query: fromService },
  getRegistryEntry: { query: fromService, path: { name: dnsLabel } },
  applyPolicy: { query: applyQuery, body: manifestText, textBody: MANIFEST_CONTENT_TYPES, created: true },
  listPolicies: { query: none },
  deletePolicy: { query: z.strictObject({ dryRun: dryRunSchema }), path: { name: dnsLabel } },
  meshStatus: { query: none },
} satisfies Record<MeshOperationId, OperationContract>;
