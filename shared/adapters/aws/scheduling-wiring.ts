import type { SchedulingPorts, Wiring } from '#ports/ports.ts';
import type { AwsConfig, SchedulingConfig } from './config.ts';
import { EventBridgeOneShotScheduler } from './eventbridge-scheduler.ts';
import { buildAwsWiring } from './wiring.ts';

let wiring: Wiring<SchedulingPorts> | undefined;

/** The AWS ports plus EventBridge Scheduler, for the cost API and the burst runner. */
export async function awsSchedulingWiring(config: AwsConfig, scheduling: SchedulingConfig): Promise<Wiring<SchedulingPorts>> {
  if (!wiring) {
    const base = buildAwsWiring(config);
    wiring = { ...base, ports: { ...base.ports, scheduler: new EventBridgeOneShotScheduler({ region: config.region, ...scheduling }) } };
  }
  return wiring;
}
