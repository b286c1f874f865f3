import { readAwsConfig } from '#adapters/aws/config.ts';
import { readMeshOpsConfig } from '#adapters/aws/mesh-config.ts';
import { logger } from '#observability/logger.ts';
import { createMeshOpsHandler } from './mesh-ops.ts';

// The Lambda entry. The environment is read at init, so a missing variable fails the cold
// start with its name; the AWS adapters load on the first invocation.
const config = readAwsConfig(process.env);
const ops = readMeshOpsConfig(process.env, config);

export const handler = createMeshOpsHandler(async () => (await import('#adapters/aws/mesh-ops-wiring.ts')).awsMeshOpsWiring(config, ops), {
  error: (message, details) => logger.error(message, details),
});
