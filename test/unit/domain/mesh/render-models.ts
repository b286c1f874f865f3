/**
 * Validation of rendered objects against the published schemas: @kubernetes-models/istio for the Istio
 * CRDs (networking.istio.io/v1, security.istio.io/v1) and kubernetes-models for Deployment and Service.
 * These check types, enums and required fields; they accept unknown fields and skip the CRDs' CEL rules,
 * which is why shared/domain/mesh/istio-checks.ts exists.
 */
import { DestinationRule, ServiceEntry, VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1';
import { AuthorizationPolicy, PeerAuthentication } from '@kubernetes-models/istio/security.istio.io/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Service } from 'kubernetes-models/v1';
import type { KubeObject } from '#domain/mesh/kube-resources.ts';

type Validating = new (data: never) => { validate(): void };

const MODELS: Record<string, { apiVersion: string; model: Validating }> = {
  Deployment: { apiVersion: 'apps/v1', model: Deployment as unknown as Validating },
  Service: { apiVersion: 'v1', model: Service as unknown as Validating },
  ServiceEntry: { apiVersion: 'networking.istio.io/v1', model: ServiceEntry as unknown as Validating },
  DestinationRule: { apiVersion: 'networking.istio.io/v1', model: DestinationRule as unknown as Validating },
  VirtualService: { apiVersion: 'networking.istio.io/v1', model: VirtualService as unknown as Validating },
  PeerAuthentication: { apiVersion: 'security.istio.io/v1', model: PeerAuthentication as unknown as Validating },
  AuthorizationPolicy: { apiVersion: 'security.istio.io/v1', model: AuthorizationPolicy as unknown as Validating },
};

/** The schema's complaints about one object; empty when it validates. */
export function modelErrors(object: KubeObject): string[] {
  const entry = MODELS[object.kind];
  if (!entry) return [`no model for kind ${object.kind}`];
  if (object.apiVersion !== entry.apiVersion) return [`apiVersion ${object.apiVersion} is not ${entry.apiVersion}`];
  try {
    new entry.model(structuredClone(object) as never).validate();
    return [];
  } catch (error) {
    return [(error as Error).message];
  }
}
