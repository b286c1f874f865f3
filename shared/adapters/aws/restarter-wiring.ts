import type { RestarterPorts } from '#functions/consumer-restarter/consumer-restarter.ts';
import type { Wiring } from '#ports/ports.ts';
import type { AwsConfig, RestartConfig } from './config.ts';
import { buildCoreWiring } from './core-wiring.ts';
import { KubernetesRestarts } from './kubernetes-restarts.ts';
import { buildSecretsWiring } from './secrets-wiring.ts';

let wiring: Wiring<RestarterPorts> | undefined;

/**
 * The state table (who consumes a secret), Secrets Manager (the new version), the audit log and
 * the clusters in HMS_CLUSTERS with rolling restarts, reached as core-wiring reaches them.
 * No database, no events.
 */
export async function awsRestarterWiring(config: AwsConfig, restart: RestartConfig): Promise<Wiring<RestarterPorts>> {
  if (!wiring) {
    const base = buildSecretsWiring(config, { store: true });
    const { cluster } = buildCoreWiring(config, (options) => new KubernetesRestarts(options)).ports;
    wiring = { ...base, ports: { ...base.ports, cluster, maxConcurrentRestarts: restart.maxConcurrentRestarts } };
  }
  return wiring;
}
