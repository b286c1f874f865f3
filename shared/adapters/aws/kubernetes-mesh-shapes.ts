import * as z from 'zod/mini';
import type { Endpoint } from '#domain/mesh/canonical.ts';
import type { KubeObject } from '#domain/mesh/kube-resources.ts';

/** An item of a list: any object with metadata.name, kept whole. */
export const listedObject = z.looseObject({ metadata: z.looseObject({ name: z.string() }) }) as unknown as z.ZodMiniType<KubeObject>;

/**
 * The fields of an EndpointSlice the registry reads. A slice with no endpoints comes as
 * `"endpoints": null` (and `"ports": null`) from real API servers, though the schema says array:
 * https://github.com/kubernetes/kubernetes/issues/135968; both read as empty.
 * https://kubernetes.io/docs/reference/kubernetes-api/service-resources/endpoint-slice-v1/
 */
export const endpointSliceItem = z.object({
  endpoints: z._default(
    z.nullable(
      z.array(
        z.object({
          addresses: z.array(z.string()),
          conditions: z.optional(z.object({ ready: z.optional(z.nullable(z.boolean())) })),
          targetRef: z.optional(z.object({ name: z.optional(z.string()) })),
          nodeName: z.optional(z.string()),
        }),
      ),
    ),
    [],
  ),
  ports: z._default(z.nullable(z.array(z.object({ name: z.optional(z.string()), port: z.optional(z.number()) }))), []),
});
export type EndpointSliceItem = z.infer<typeof endpointSliceItem>;

/**
 * Ready endpoints of a Service's slices. conditions.ready unset means unknown, which consumers
 * are told to read as ready; an endpoint's addresses are fungible, so the first is used. The port
 * is the one named http, else the slice's first. A slice with no port is skipped, and an
 * endpoint listed by two slices (during an update) counts once.
 */
export function readyEndpointsOf(slices: EndpointSliceItem[]): Endpoint[] {
  const seen = new Map<string, Endpoint>();
  for (const slice of slices) {
    const ports = slice.ports ?? [];
    const port = (ports.find((p) => p.name === 'http') ?? ports[0])?.port;
    if (port === undefined) continue;
    for (const endpoint of slice.endpoints ?? []) {
      const address = endpoint.addresses[0];
      if (address === undefined || endpoint.conditions?.ready === false) continue;
      const found: Endpoint = {
        address,
        port,
        ...(endpoint.targetRef?.name ? { pod: endpoint.targetRef.name } : {}),
        ...(endpoint.nodeName ? { nodeName: endpoint.nodeName } : {}),
      };
      seen.set(`${address}:${port}`, found);
    }
  }
  return [...seen.values()].sort((a, b) => a.address.localeCompare(b.address) || a.port - b.port);
}
