import * as z from 'zod/mini';
import { canonicalPolicy, canonicalService, chapter7Pod, chapter7Policy, chapter10Mesh, chapter12Service, kubernetesDeployment } from './manifest-formats.ts';

/** Where the published schema lives in the repository (editors point at it: `# yaml-language-server: $schema=…`). */
export const MESH_SCHEMA_PATH = 'docs/schemas/hms-mesh.v1.json';

/** Each accepted format, the name of its definition and what it is. The canonical forms come first: they are the versioned contract. */
const FORMATS = [
  ['MeshService', canonicalService, 'The canonical service (hms-sys.io/v1 MeshService): every service format normalises into it.'],
  ['TrafficPolicy', canonicalPolicy, 'The canonical traffic policy (hms-sys.io/v1 TrafficPolicy).'],
  ['Chapter12Service', chapter12Service, "Chapter 12's service file (receipt.hms.yml): name, version, image, port, routes, scaling."],
  ['Chapter10Mesh', chapter10Mesh, "Chapter 10's service+mesh file (manifests/notification.yaml); mTLS: required is STRICT, and so is a file that names none."],
  ['Chapter7TrafficPolicy', chapter7Policy, "Chapter 7's policy (policies/irs-fraud.yml): apiVersion hms/v1, kind TrafficPolicy."],
  ['Chapter7Pod', chapter7Pod, "Chapter 7's Pod labelled hms/mesh: enabled (rendered as a Deployment of one replica; port 80 when the container names none)."],
  ['MeshedDeployment', kubernetesDeployment, 'An apps/v1 Deployment whose pod template is labelled hms/mesh: enabled.'],
] as const;

/**
 * The JSON Schema (draft-07, which editors' YAML plugins read) of every file `hms-sys apply` accepts,
 * generated from the same zod schemas the parser uses, so the two cannot drift. Checks a schema cannot
 * express (scaling.min ≤ max, a duration's range, reserved labels) are the parser's alone.
 */
export function meshJsonSchema(): Record<string, unknown> {
  const definitions: Record<string, unknown> = {};
  for (const [name, schema, description] of FORMATS) {
    const { $schema, ...body } = z.toJSONSchema(schema, { target: 'draft-7', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    definitions[name] = { title: name, description, ...body };
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://hms-sys.io/schemas/hms-mesh.v1.json',
    title: 'hms-sys mesh manifest, version 1',
    description:
      'A file for hms-sys deploy / hms-sys apply -f / hms sys apply: one service or traffic policy, in the canonical hms-sys.io/v1 form or one of the seed chapters’ formats. At most 64 KiB, one YAML document.',
    anyOf: FORMATS.map(([name]) => ({ $ref: `#/definitions/${name}` })),
    definitions,
  };
}
