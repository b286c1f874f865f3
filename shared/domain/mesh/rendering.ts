import type { Breaker, MeshMode, MeshService, Pause, ScalingSpec, TrafficPolicy } from './canonical.ts';
import type { KubeObject } from './kube-resources.ts';

/** Everything one service's objects depend on: rendering is a pure function of it. */
export interface RenderInput {
  service: MeshService;
  mode: MeshMode;
  /** Istio's trust domain, for AuthorizationPolicy principals (cluster.local unless the mesh sets another). */
  trustDomain: string;
  /** TrafficPolicies whose destination is this service, by policy name. */
  policies: TrafficPolicy[];
  /** Where each policy source lives (registry name → namespace). */
  sourceNamespaces: Record<string, string>;
  pause?: Pause;
  breaker?: Breaker;
}

/** The service-level breaker's alarm (chapter 7's errorPercent), which hms-sys creates beside the objects. */
export interface BreakerAlarmSpec {
  errorPercent: number;
  /** How long the breaker stays open once tripped. */
  resetSeconds: number;
}

export interface RenderedSet {
  /** In RENDERED_KINDS order; every object carries the managed-by and service labels. */
  objects: KubeObject[];
  /** The autoscale rule to keep, from `scaling`. */
  autoscale?: ScalingSpec;
  breakerAlarm?: BreakerAlarmSpec;
  /** Each mapping from the manifest's words to Istio's, in words (the apply output and the audit carry them). */
  reasons: string[];
}
