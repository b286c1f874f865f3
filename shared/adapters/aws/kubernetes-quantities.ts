/**
 * Kubernetes resource quantities: parsing them ('250m', '512Mi', '1e3') into numbers, and pod
 * requests (cores, GiB) back into quantities.
 * https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/
 */
import type { PodRequests } from '#ports/cluster.ts';

/** A pod's requests: the sum of its containers' cpu (cores) and memory (GiB) requests. */
export function sumRequests(requests: readonly Record<string, string | number>[]): PodRequests {
  let vcpu = 0;
  let bytes = 0;
  for (const r of requests) {
    if (r.cpu !== undefined) vcpu += parseQuantity(r.cpu);
    if (r.memory !== undefined) bytes += parseQuantity(r.memory);
  }
  return { vcpu: round(vcpu), memoryGiB: round(bytes / 2 ** 30) };
}

const round = (n: number) => Math.round(n * 1e9) / 1e9;

const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const FRACTION: Record<string, number> = { n: 1e9, u: 1e6, m: 1e3 };

/**
 * A Kubernetes resource quantity as a number: '250m' → 0.25, '1.5' → 1.5, '512Mi' → 536870912,
 * '1G' → 1e9, '1e3' → 1000. Throws on anything else.
 */
export function parseQuantity(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`not a quantity: ${value}`);
    return value;
  }
  const match = QUANTITY.exec(value.trim());
  if (!match) throw new RangeError(`not a Kubernetes quantity: ${JSON.stringify(value)}`);
  const [, mantissa = '', exponent, suffix] = match;
  if (exponent !== undefined) return Number(mantissa + exponent);
  const n = Number(mantissa);
  if (suffix === undefined) return n;
  if (suffix in FRACTION) return n / FRACTION[suffix]!;
  return n * (BINARY[suffix] ?? DECIMAL[suffix]!);
}

/** Requests as quantities, rounded up to whole millicores and MiB so a placeholder is never smaller than the pod it stands for. */
export function requestQuantities({ vcpu, memoryGiB }: PodRequests): Record<string, string> {
  const requests: Record<string, string> = {};
  const millicores = Math.ceil(vcpu * 1000 - 1e-9);
  const mebibytes = Math.ceil(memoryGiB * 1024 - 1e-9);
  if (millicores > 0) requests.cpu = `${millicores}m`;
  if (mebibytes > 0) requests.memory = `${mebibytes}Mi`;
  return requests;
}
