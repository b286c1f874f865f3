import { ValidationError } from './errors.ts';
import { FARGATE_RATE_TABLE, fargateRate } from './fargate-rates.ts';
import { formatUSD } from './usd.ts';

/** What one pod of a Deployment's template requests. */
export interface PodRequests {
  vcpu: number;
  memoryGiB: number;
}
export { formatUSD };

/** Memory Fargate adds to every pod for kubelet, kube-proxy and containerd (256 MB). */
export const KUBERNETES_OVERHEAD_GIB = 0.25;

/** A Fargate vCPU/memory configuration a pod is billed as. */
export interface FargateSize {
  vcpu: number;
  memoryGiB: number;
}

const steps = (from: number, to: number, step: number): number[] => Array.from({ length: Math.round((to - from) / step) + 1 }, (_, i) => from + i * step);

/**
 * The vCPU and memory combinations a Fargate pod can run as, smallest first, from the EKS user
 * guide ("Understand Fargate Pod configuration details", fargate-pod-configuration).
 */
export const FARGATE_CONFIGURATIONS: ReadonlyArray<{ vcpu: number; memoryGiB: readonly number[] }> = [
  { vcpu: 0.25, memoryGiB: [0.5, 1, 2] },
  { vcpu: 0.5, memoryGiB: steps(1, 4, 1) },
  { vcpu: 1, memoryGiB: steps(2, 8, 1) },
  { vcpu: 2, memoryGiB: steps(4, 16, 1) },
  { vcpu: 4, memoryGiB: steps(8, 30, 1) },
  { vcpu: 8, memoryGiB: steps(16, 60, 4) },
  { vcpu: 16, memoryGiB: steps(32, 120, 8) },
];

/** Slack for requests such as 0.1 + 0.2 GiB that are meant to land exactly on a configuration. */
const EPSILON = 1e-9;

/**
 * The configuration Fargate bills a pod as: its requests plus 0.25 GiB for the Kubernetes
 * components, rounded up to the smallest configuration that holds both.
 */
export function fargateBilledSize(requests: PodRequests): FargateSize {
  const { vcpu, memoryGiB } = requests;
  if (!Number.isFinite(vcpu) || vcpu < 0) throw new ValidationError(`pod vCPU request ${vcpu} must be a number ≥ 0`, 'podRequests');
  if (!Number.isFinite(memoryGiB) || memoryGiB < 0) throw new ValidationError(`pod memory request ${memoryGiB} GiB must be a number ≥ 0`, 'podRequests');
  const memoryNeeded = memoryGiB + KUBERNETES_OVERHEAD_GIB;
  for (const tier of FARGATE_CONFIGURATIONS) {
    if (tier.vcpu + EPSILON < vcpu) continue;
    const memory = tier.memoryGiB.find((m) => m + EPSILON >= memoryNeeded);
    if (memory !== undefined) return { vcpu: tier.vcpu, memoryGiB: memory };
  }
  throw new ValidationError(
    `pods requesting ${vcpu} vCPU and ${memoryGiB} GiB (+${KUBERNETES_OVERHEAD_GIB} GiB for Kubernetes) exceed the largest Fargate configuration, 16 vCPU and 120 GB; set podHourUSD on the service`,
    'podHourUSD',
  );
}

export interface PodHourPriceInput {
  podHourUSD?: number | undefined;
  requests?: PodRequests | undefined;
  region: string;
}

export interface PodHourPrice {
  usd: number;
  basis: 'explicit' | 'fargate';
  /** How the price was worked out, in words. */
  detail: string;
}

/** A pod-hour's price: the explicit podHourUSD if given, else the pod's billed Fargate size at the region's rates. */
export function podHourPrice(input: PodHourPriceInput): PodHourPrice {
  if (input.podHourUSD !== undefined) {
    if (!Number.isFinite(input.podHourUSD) || input.podHourUSD < 0) {
      throw new ValidationError(`podHourUSD ${input.podHourUSD} must be a number ≥ 0`, 'podHourUSD');
    }
    return { usd: input.podHourUSD, basis: 'explicit', detail: `explicit podHourUSD: ${formatRateUSD(input.podHourUSD)} per pod-hour` };
  }
  const rate = fargateRate(input.region);
  if (!rate) {
    throw new ValidationError(`the Fargate rate table has no row for region ${input.region}: set podHourUSD on the service`, 'podHourUSD');
  }
  if (!input.requests) {
    throw new ValidationError('the pods have no resource requests to price: set podHourUSD on the service', 'podHourUSD');
  }
  const size = fargateBilledSize(input.requests);
  const usd = size.vcpu * rate.vcpuHourUSD + size.memoryGiB * rate.gbHourUSD;
  const detail =
    `Fargate on-demand in ${input.region}: requests of ${input.requests.vcpu} vCPU and ${input.requests.memoryGiB} GiB` +
    ` (+${KUBERNETES_OVERHEAD_GIB} GiB for Kubernetes) bill as ${size.vcpu} vCPU × ${formatRateUSD(rate.vcpuHourUSD)}` +
    ` + ${size.memoryGiB} GB × ${formatRateUSD(rate.gbHourUSD)} = ${formatRateUSD(usd)} per pod-hour` +
    ` (rates from ${FARGATE_RATE_TABLE.source}, retrieved ${FARGATE_RATE_TABLE.retrievedOn})`;
  return { usd, basis: 'fargate', detail };
}

/** A unit price with up to six significant digits and at least cents: "$0.04048", "$0.024685", "$0.20". */
export function formatRateUSD(n: number): string {
  if (Math.abs(n) >= 100) return formatUSD(n);
  const text = String(Number(n.toPrecision(6)));
  if (text.includes('e')) return `$${n.toFixed(8)}`;
  const decimals = text.split('.')[1]?.length ?? 0;
  return `$${decimals < 2 ? n.toFixed(2) : text}`;
}
