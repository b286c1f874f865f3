/**
 * Istio objects are checked on write against their CRDs' OpenAPI schemas, as the API server does
 * for a custom resource: a value of the wrong type or a missing required field is a 422 Invalid
 * naming each field. The schemas come from @kubernetes-models/istio (generated from Istio's CRDs).
 * It checks neither unknown fields nor the CRDs' CEL rules (x-kubernetes-validations).
 * https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#validation
 */
import { DestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1/DestinationRule';
import { ServiceEntry } from '@kubernetes-models/istio/networking.istio.io/v1/ServiceEntry';
import { VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService';
import { AuthorizationPolicy } from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import { PeerAuthentication } from '@kubernetes-models/istio/security.istio.io/v1/PeerAuthentication';
import { type Json, SimStatusError } from './request-parsing.ts';

interface Validatable {
  validate(): void;
}

const MODELS: Record<string, { group: string; make: (object: Json) => Validatable }> = {
  VirtualService: { group: 'networking.istio.io', make: (o) => new VirtualService(o as never) },
  DestinationRule: { group: 'networking.istio.io', make: (o) => new DestinationRule(o as never) },
  ServiceEntry: { group: 'networking.istio.io', make: (o) => new ServiceEntry(o as never) },
  PeerAuthentication: { group: 'security.istio.io', make: (o) => new PeerAuthentication(o as never) },
  AuthorizationPolicy: { group: 'security.istio.io', make: (o) => new AuthorizationPolicy(o as never) },
};

interface SchemaError {
  instancePath: string;
  message?: string;
  params?: { missingProperty?: string };
}

/** Throws a 422 Invalid Status, with one cause per field, when the object breaks its CRD's schema. */
export function validateIstioObject(kind: string, object: Json): void {
  const model = MODELS[kind];
  if (!model) throw new Error(`no schema for ${kind}`);
  const { status: _status, metadata: _metadata, ...checked } = object;
  try {
    model.make(checked).validate();
  } catch (err) {
    const errors = (err as { errors?: SchemaError[] }).errors;
    if (!Array.isArray(errors)) throw err;
    const causes = errors.map((e) => {
      const path = e.instancePath.split('/').filter(Boolean);
      if (e.params?.missingProperty) path.push(e.params.missingProperty);
      const fieldPath = path
        .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
        .join('')
        .slice(1);
      const message = e.params?.missingProperty ? 'Required value' : `Invalid value: ${e.message ?? 'invalid'}`;
      return { reason: e.params?.missingProperty ? 'FieldValueRequired' : 'FieldValueInvalid', message, field: fieldPath };
    });
    const name = String((object.metadata as Json | undefined)?.name ?? '');
    const summary = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
    throw new SimStatusError(422, 'Invalid', `${kind}.${model.group} "${name}" is invalid: [${summary}]`, { name, group: model.group, kind, causes });
  }
}
