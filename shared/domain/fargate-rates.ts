/** USD per hour for one vCPU and one GB of memory of a Fargate pod. */
export interface FargateRate {
  vcpuHourUSD: number;
  gbHourUSD: number;
}

/**
 * AWS Fargate on-demand rates, Linux/x86, per region: the default price of a pod-hour when a
 * service sets no podHourUSD. AWS renders the regional figures on the pricing page from the
 * Price List (AmazonECS offer, usage types <REGION>-Fargate-vCPU-Hours:perCPU and
 * <REGION>-Fargate-GB-Hours). Regions left out fall back to an explicit podHourUSD.
 * Update the rows and retrievedOn together.
 */
export const FARGATE_RATE_TABLE = {
  source: 'https://aws.amazon.com/fargate/pricing/',
  retrievedOn: '2026-11-23',
  basis: 'Fargate on-demand, Linux/x86',
  regions: {
    'us-east-1': { vcpuHourUSD: 0.04048, gbHourUSD: 0.004445 },
    'us-east-2': { vcpuHourUSD: 0.04048, gbHourUSD: 0.004445 },
    'us-west-1': { vcpuHourUSD: 0.04656, gbHourUSD: 0.00511 },
    'us-west-2': { vcpuHourUSD: 0.04048, gbHourUSD: 0.004445 },
    'ca-central-1': { vcpuHourUSD: 0.04456, gbHourUSD: 0.004865 },
    'sa-east-1': { vcpuHourUSD: 0.0696, gbHourUSD: 0.0076 },
    'eu-west-1': { vcpuHourUSD: 0.04048, gbHourUSD: 0.004445 },
    'eu-west-2': { vcpuHourUSD: 0.04656, gbHourUSD: 0.00511 },
    'eu-central-1': { vcpuHourUSD: 0.04656, gbHourUSD: 0.00511 },
    'ap-southeast-1': { vcpuHourUSD: 0.05056, gbHourUSD: 0.00553 },
    'ap-southeast-2': { vcpuHourUSD: 0.04856, gbHourUSD: 0.00532 },
    'ap-northeast-1': { vcpuHourUSD: 0.05056, gbHourUSD: 0.00553 },
    // AWS GovCloud (US) has its own rows on the same page.
    'us-gov-west-1': { vcpuHourUSD: 0.0486, gbHourUSD: 0.0053 },
    'us-gov-east-1': { vcpuHourUSD: 0.0486, gbHourUSD: 0.0053 },
  } satisfies Record<string, FargateRate>,
} as const;

/** The region's rates, or null when the table has no row for it. */
export function fargateRate(region: string): FargateRate | null {
  return Object.hasOwn(FARGATE_RATE_TABLE.regions, region) ? FARGATE_RATE_TABLE.regions[region as keyof typeof FARGATE_RATE_TABLE.regions] : null;
}
