import { podHourPrice } from '#domain/cost.ts';
import type { Service } from '#domain/model.ts';
import type { Workload } from '#ports/cluster.ts';
import type { CorePorts } from '#ports/ports.ts';

export interface ServicePrice {
  usd: number;
  basis: 'explicit' | 'fargate';
  detail: string;
  workload: Workload;
}

/** A service's pod-hour price: its explicit podHourUSD, or its pod requests at the region's Fargate rates. */
export async function servicePrice(ports: Pick<CorePorts, 'cluster' | 'pricingRegion'>, service: Service): Promise<ServicePrice> {
  const workload = await ports.cluster.getWorkload(service);
  const price = podHourPrice({
    ...(service.podHourUSD === undefined ? {} : { podHourUSD: service.podHourUSD }),
    requests: workload.podRequests,
    region: ports.pricingRegion,
  });
  return { ...price, workload };
}
