import type { Wiring } from '#ports/ports.ts';
import type { AwsConfig } from './config.ts';
import { buildCoreWiring } from './core-wiring.ts';
import { lazyCloudWatchMetrics } from './lazy-metrics.ts';

/** Ports over AWS: DynamoDB, CloudWatch and the EKS clusters named in the config. */
export function buildAwsWiring(config: AwsConfig): Wiring {
  const core = buildCoreWiring(config);
  return { ...core, ports: { ...core.ports, metrics: lazyCloudWatchMetrics(config.region) } };
}

let wiring: Wiring | undefined;

/** The container's one wiring, built on first use from the config the handler read at init. */
export async function awsWiring(config: AwsConfig): Promise<Wiring> {
  wiring ??= buildAwsWiring(config);
  return wiring;
}
