import type { SchedulingPorts, Wiring } from '#ports/ports.ts';
import type { AwsConfig, SchedulingConfig } from './config.ts';
import { buildCoreWiring } from './core-wiring.ts';
import { EksNodeGroups } from './eks-node-groups.ts';
import { EventBridgeOneShotScheduler } from './eventbridge-scheduler.ts';
import { KubernetesCapacity } from './kubernetes-capacity.ts';

let wiring: Wiring<SchedulingPorts> | undefined;

/** The core AWS ports plus EventBridge Scheduler and the node groups, for the cost API and the burst runner. */
export async function awsSchedulingWiring(config: AwsConfig, scheduling: SchedulingConfig): Promise<Wiring<SchedulingPorts>> {
  if (!wiring) {
    const base = buildCoreWiring(config, (options) => new KubernetesCapacity(options));
    const scheduler = new EventBridgeOneShotScheduler({ region: config.region, ...scheduling });
    wiring = { ...base, ports: { ...base.ports, scheduler, nodeGroups: new EksNodeGroups({ region: config.region }) } };
  }
  return wiring;
}
