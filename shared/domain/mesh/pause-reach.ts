import type { MeshMode } from './canonical.ts';

/**
 * What a pause (or an open breaker) stops, in words used by the render reasons, the pause answer and
 * the CLI. The 503 route sits in a VirtualService that names no `gateways`, so Istio applies it to
 * the mesh only: every sidecar, and in ambient mode the Service's waypoint
 * (https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService, field
 * gateways: omitted means the reserved `mesh`). An ingress gateway applies only VirtualServices bound
 * to it, and ztunnel applies no HTTP routes (https://istio.io/latest/docs/ambient/usage/waypoint/).
 */
export const PAUSE_STOPS = 'callers in the mesh (through their sidecar, or in ambient mode the Service’s waypoint) get 503 "Service Paused"';

export const PAUSE_DOES_NOT_STOP =
  'still reaching its pods: traffic entering through an ingress gateway bound by a VirtualService of your own (hms-sys sets no gateways, so its route applies inside the mesh only), callers outside the mesh (no sidecar), and in ambient mode without a waypoint every caller (ztunnel applies no HTTP routes)';

/** The pause's reach for one mesh mode, as reasons. */
export function pauseReach(mode: MeshMode): string[] {
  return [
    `${PAUSE_STOPS}, answered by directResponse without reaching a pod: not retried, and no pod restarts`,
    PAUSE_DOES_NOT_STOP,
    ...(mode === 'ambient' ? ['this mesh runs in ambient mode: the pause takes effect only if a waypoint serves the Service (istio.io/use-waypoint)'] : []),
  ];
}
