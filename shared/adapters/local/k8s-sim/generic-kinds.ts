/**
 * The kinds the simulator keeps as whole objects (every MESH_RESOURCES kind but Deployment, which
 * has its typed model): where their lists are keyed, the defaults the API server fills in, and the
 * checks it makes on write. https://kubernetes.io/docs/reference/kubernetes-api/service-resources/
 */
import { type KubeResource, MESH_RESOURCES } from '#domain/mesh/kube-resources.ts';
import type { KindSchema } from './field-sets.ts';
import { unknownIstioFields } from './istio-fields.ts';
import { validateIstioObject } from './istio-validation.ts';
import { field, isObject, type Json, SimStatusError, stringMap } from './request-parsing.ts';

export interface GenericKind {
  resource: KubeResource;
  schema: KindSchema;
  /** Custom resources count metadata.generation; core kinds here do not. */
  generation: boolean;
  /** Fills in what the API server defaults; `live` is the stored object on an update. */
  defaults(object: Json, live: Json | undefined, allocate: () => string): void;
  /** Defaults the merge keys of an applied configuration's list elements (a Service port's protocol), so they match the stored ones. */
  keyDefaults?(applied: Json): void;
  /** Fields the kind's schema does not declare, by path (Istio's kinds); none checked when absent. */
  unknownFields?(object: Json): string[];
  /** Throws a 422 Invalid naming the field. */
  validate(object: Json, live: Json | undefined): void;
}

const METADATA_LISTS = { 'metadata.ownerReferences': ['uid'] } as const;
const NONE = () => {};

export const invalidField = (kind: string, name: string, path: string, message: string, reason = 'FieldValueInvalid') =>
  new SimStatusError(422, 'Invalid', `${kind} "${name}" is invalid: ${path}: ${message}`, {
    name,
    kind,
    causes: [{ reason, message, field: path }],
  });

const nameOf = (object: Json) => String(field(object, 'metadata', 'name') ?? '');

const service: GenericKind = {
  resource: MESH_RESOURCES.Service,
  // Service ports are keyed by port and protocol; the selector is an atomic map (core/v1 ServiceSpec).
  schema: { lists: { ...METADATA_LISTS, 'spec.ports': ['port', 'protocol'] }, atomic: ['spec.selector', 'spec.clusterIPs', 'spec.ipFamilies'] },
  generation: false,
  keyDefaults(applied) {
    const ports = field(applied, 'spec', 'ports');
    if (Array.isArray(ports)) for (const port of ports) if (isObject(port)) port.protocol ??= 'TCP';
  },
  defaults(object, live, allocate) {
    if (!isObject(object.spec)) object.spec = {};
    const spec = object.spec as Json;
    spec.type ??= 'ClusterIP';
    spec.sessionAffinity ??= 'None';
    spec.internalTrafficPolicy ??= 'Cluster';
    if (Array.isArray(spec.ports)) {
      for (const port of spec.ports) {
        if (!isObject(port)) continue;
        port.protocol ??= 'TCP';
        port.targetPort ??= port.port;
      }
    }
    if (spec.clusterIP === undefined) {
      const liveIp = field(live, 'spec', 'clusterIP');
      spec.clusterIP = typeof liveIp === 'string' ? liveIp : allocate();
    }
    spec.clusterIPs ??= [spec.clusterIP];
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
  },
  validate(object, live) {
    const name = nameOf(object);
    if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 63) {
      throw invalidField(
        'Service',
        name,
        'metadata.name',
        `Invalid value: "${name}": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character`,
      );
    }
    const ports = field(object, 'spec', 'ports');
    if (!Array.isArray(ports) || ports.length === 0) throw invalidField('Service', name, 'spec.ports', 'Required value');
    const names = new Set<unknown>();
    ports.forEach((port, i) => {
      const number = field(port, 'port');
      if (!Number.isInteger(number) || (number as number) < 1 || (number as number) > 65_535) {
        throw invalidField('Service', name, `spec.ports[${i}].port`, `Invalid value: ${JSON.stringify(number)}: must be between 1 and 65535, inclusive`);
      }
      if (!['TCP', 'UDP', 'SCTP'].includes(String(field(port, 'protocol')))) {
        throw invalidField(
          'Service',
          name,
          `spec.ports[${i}].protocol`,
          `Unsupported value: ${JSON.stringify(field(port, 'protocol'))}: supported values: "SCTP", "TCP", "UDP"`,
          'FieldValueNotSupported',
        );
      }
      const portName = field(port, 'name');
      if (ports.length > 1 && (portName === undefined || portName === '')) throw invalidField('Service', name, `spec.ports[${i}].name`, 'Required value');
      if (names.has(portName))
        throw invalidField('Service', name, `spec.ports[${i}].name`, `Duplicate value: ${JSON.stringify(portName)}`, 'FieldValueDuplicate');
      names.add(portName);
    });
    const liveIp = field(live, 'spec', 'clusterIP');
    if (typeof liveIp === 'string' && field(object, 'spec', 'clusterIP') !== liveIp) {
      throw invalidField('Service', name, 'spec.clusterIPs[0]', 'Invalid value: field is immutable');
    }
  },
};

const endpointSlice: GenericKind = {
  resource: MESH_RESOURCES.EndpointSlice,
  schema: { lists: { ...METADATA_LISTS }, atomic: ['endpoints', 'ports'] },
  generation: true,
  defaults: NONE,
  validate(object) {
    const name = nameOf(object);
    if (!['IPv4', 'IPv6', 'FQDN'].includes(String(object.addressType))) {
      throw invalidField(
        'EndpointSlice',
        name,
        'addressType',
        `Unsupported value: ${JSON.stringify(object.addressType)}: supported values: "FQDN", "IPv4", "IPv6"`,
        'FieldValueNotSupported',
      );
    }
    const endpoints = object.endpoints ?? [];
    if (!Array.isArray(endpoints)) throw invalidField('EndpointSlice', name, 'endpoints', 'Invalid value: must be a list');
    endpoints.forEach((endpoint, i) => {
      const addresses = field(endpoint, 'addresses');
      if (!Array.isArray(addresses) || addresses.length === 0) throw invalidField('EndpointSlice', name, `endpoints[${i}].addresses`, 'Required value');
    });
  },
};

const KEY = /^[-._a-zA-Z0-9]+$/;

function checkDataKeys(kind: string, object: Json, key: 'data' | 'binaryData' | 'stringData'): void {
  const value = object[key];
  if (value === undefined) return;
  if (!stringMap(value)) throw invalidField(kind, nameOf(object), key, 'Invalid value: must map strings to strings');
  for (const k of Object.keys(value as Json)) {
    if (!KEY.test(k))
      throw invalidField(
        kind,
        nameOf(object),
        `${key}[${k}]`,
        `Invalid value: "${k}": a valid config key must consist of alphanumeric characters, '-', '_' or '.'`,
      );
  }
}

const configMap: GenericKind = {
  resource: MESH_RESOURCES.ConfigMap,
  schema: { lists: { ...METADATA_LISTS }, atomic: [] },
  generation: false,
  defaults: NONE,
  validate(object) {
    checkDataKeys('ConfigMap', object, 'data');
    checkDataKeys('ConfigMap', object, 'binaryData');
  },
};

const secret: GenericKind = {
  resource: MESH_RESOURCES.Secret,
  schema: { lists: { ...METADATA_LISTS }, atomic: [] },
  generation: false,
  defaults(object) {
    object.type ??= 'Opaque';
    // stringData is write-only: merged into data, base64-encoded (core/v1 Secret).
    const stringData = stringMap(object.stringData);
    if (stringData) {
      object.data = { ...(isObject(object.data) ? object.data : {}) };
      for (const [k, v] of Object.entries(stringData)) (object.data as Json)[k] = Buffer.from(v, 'utf8').toString('base64');
      delete object.stringData;
    }
  },
  validate(object, live) {
    checkDataKeys('Secret', object, 'stringData');
    checkDataKeys('Secret', object, 'data');
    for (const [k, v] of Object.entries(isObject(object.data) ? object.data : {})) {
      if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) {
        throw new SimStatusError(400, 'BadRequest', `Secret in version "v1" cannot be handled as a Secret: illegal base64 data at data[${k}]`);
      }
    }
    if (live && live.type !== object.type) throw invalidField('Secret', nameOf(object), 'type', 'Invalid value: field is immutable');
  },
};

/** Istio's CRDs: lists are atomic (no list-map keys in their schemas); objects are checked against the CRD schema. */
const istio = (resource: KubeResource): GenericKind => ({
  resource,
  schema: { lists: { ...METADATA_LISTS }, atomic: [] },
  generation: true,
  defaults: NONE,
  unknownFields: (object) => unknownIstioFields(resource.kind, object),
  validate: (object) => validateIstioObject(resource.kind, object),
});

export const GENERIC_KINDS: readonly GenericKind[] = [
  service,
  endpointSlice,
  configMap,
  secret,
  istio(MESH_RESOURCES.VirtualService),
  istio(MESH_RESOURCES.DestinationRule),
  istio(MESH_RESOURCES.ServiceEntry),
  istio(MESH_RESOURCES.PeerAuthentication),
  istio(MESH_RESOURCES.AuthorizationPolicy),
];

export const genericKindOf = (plural: string): GenericKind | undefined => GENERIC_KINDS.find((k) => k.resource.plural === plural);
