// Writes docs/schemas/hms-mesh.v1.json from the manifest parser's schemas (`npm run schema`).
import { writeFileSync } from 'node:fs';
import { MESH_SCHEMA_PATH, meshJsonSchema } from '#domain/mesh/manifest-json-schema.ts';

writeFileSync(new URL(`../${MESH_SCHEMA_PATH}`, import.meta.url), `${JSON.stringify(meshJsonSchema(), null, 2)}\n`);
console.log(`wrote ${MESH_SCHEMA_PATH}`);
