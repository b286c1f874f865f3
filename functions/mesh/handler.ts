import { readAwsConfig } from '#adapters/aws/config.ts';
import { readMeshConfig } from '#adapters/aws/mesh-config.ts';
import { logger } from '#observability/logger.ts';
import { createMeshHandler } from './mesh.ts';

// The Lambda entry. The environment is read at init, so a missing variable fails the cold
// start with its name; the AWS adapters load on the first invocation.
const config = readAwsConfig(process.env);
const mesh = readMeshConfig(process.env, config);

export const handler = createMeshHandler(async () => (await import('#adapters/aws/mesh-wiring.ts')).awsMeshWiring(config, mesh), {
  error: (message, details) => logger.error(message, details),
});
