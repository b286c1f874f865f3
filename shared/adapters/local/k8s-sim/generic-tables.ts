/**
 * `kubectl get` columns of the generic kinds: the API server's printers for Services, EndpointSlices,
 * ConfigMaps and Secrets (pkg/printers/internalversion/printers.go), and for Istio's kinds the
 * additionalPrinterColumns of their CRDs (a missing value is a null cell, which kubectl leaves blank).
 */
import { field, isObject, type Json } from './request-parsing.ts';
import type { SimState } from './state.ts';
import { age, type Column, type Printer } from './tables.ts';

const NAME: Column = ['Name', 0, 'Name must be unique within a namespace.'];
const AGE: Column = ['Age', 0, 'CreationTimestamp is a timestamp representing the server time when this object was created.'];
const created = (o: Json) => age(String(field(o, 'metadata', 'creationTimestamp')));
const nameOf = (o: Json) => String(field(o, 'metadata', 'name'));
/** A CRD column of JSONPath type string over an array: the JSON text of the array. */
const jsonCell = (value: unknown) => (value === undefined ? null : typeof value === 'string' ? value : JSON.stringify(value));
const dataCount = (o: Json) => Object.keys(isObject(o.data) ? o.data : {}).length + Object.keys(isObject(o.binaryData) ? o.binaryData : {}).length;

function servicePorts(o: Json): string {
  const ports = field(o, 'spec', 'ports');
  if (!Array.isArray(ports) || ports.length === 0) return '<none>';
  return ports.map((p) => `${field(p, 'port')}${field(p, 'nodePort') === undefined ? '' : `:${field(p, 'nodePort')}`}/${field(p, 'protocol')}`).join(',');
}

function selectorText(o: Json): string {
  const selector = field(o, 'spec', 'selector');
  if (!isObject(selector) || Object.keys(selector).length === 0) return '<none>';
  return Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

function slicePorts(o: Json): string {
  const ports = Array.isArray(o.ports) ? o.ports : [];
  if (ports.length === 0) return '<unset>';
  return ports.map((p) => String(field(p, 'port') ?? '<unset>')).join(',');
}

function sliceEndpoints(o: Json): string {
  const addresses = (Array.isArray(o.endpoints) ? o.endpoints : []).flatMap((e) =>
    Array.isArray(field(e, 'addresses')) ? (field(e, 'addresses') as string[]) : [],
  );
  if (addresses.length === 0) return '<unset>';
  const shown = addresses.slice(0, 3).join(',');
  return addresses.length > 3 ? `${shown} + ${addresses.length - 3} more...` : shown;
}

const printer = (columns: Column[], cells: (o: Json) => (string | number | null)[]): Printer<Json> => ({
  columns,
  cells: (_state: SimState, o: Json) => cells(o),
  render: (_state: SimState, o: Json) => o,
});

export const GENERIC_PRINTERS: Record<string, Printer<Json>> = {
  services: printer(
    [
      NAME,
      ['Type', 0, 'The type of the service.'],
      ['Cluster-IP', 0, 'The IP address of the service.'],
      ['External-IP', 0, 'The external IP address of the service.'],
      ['Port(s)', 0, 'The ports of the service.'],
      AGE,
      ['Selector', 1, 'Route service traffic to pods with label keys and values matching this selector.'],
    ],
    (o) => [
      nameOf(o),
      String(field(o, 'spec', 'type')),
      String(field(o, 'spec', 'clusterIP') ?? '<none>'),
      '<none>',
      servicePorts(o),
      created(o),
      selectorText(o),
    ],
  ),
  endpointslices: printer(
    [
      NAME,
      ['AddressType', 0, 'The IP protocol for this slice.'],
      ['Ports', 0, 'The ports of the slice.'],
      ['Endpoints', 0, 'The endpoints of the slice.'],
      AGE,
    ],
    (o) => [nameOf(o), String(o.addressType), slicePorts(o), sliceEndpoints(o), created(o)],
  ),
  configmaps: printer([NAME, ['Data', 0, 'Data contains the configuration data.'], AGE], (o) => [nameOf(o), dataCount(o), created(o)]),
  secrets: printer([NAME, ['Type', 0, 'The type of the secret.'], ['Data', 0, 'The number of items in the secret.'], AGE], (o) => [
    nameOf(o),
    String(o.type),
    dataCount(o),
    created(o),
  ]),
  virtualservices: printer(
    [
      NAME,
      ['Gateways', 0, 'The names of gateways and sidecars that should apply these routes'],
      ['Hosts', 0, 'The destination hosts to which traffic is being sent'],
      AGE,
    ],
    (o) => [nameOf(o), jsonCell(field(o, 'spec', 'gateways')), jsonCell(field(o, 'spec', 'hosts')), created(o)],
  ),
  destinationrules: printer([NAME, ['Host', 0, 'The name of a service from the service registry'], AGE], (o) => [
    nameOf(o),
    jsonCell(field(o, 'spec', 'host')),
    created(o),
  ]),
  serviceentries: printer(
    [
      NAME,
      ['Hosts', 0, 'The hosts associated with the ServiceEntry'],
      ['Location', 0, 'Whether the service is external to the mesh or part of the mesh (MESH_EXTERNAL or MESH_INTERNAL)'],
      ['Resolution', 0, 'Service resolution mode for the hosts (NONE, STATIC, or DNS)'],
      AGE,
    ],
    (o) => [nameOf(o), jsonCell(field(o, 'spec', 'hosts')), jsonCell(field(o, 'spec', 'location')), jsonCell(field(o, 'spec', 'resolution')), created(o)],
  ),
  peerauthentications: printer([NAME, ['Mode', 0, 'Defines the mTLS mode used for peer authentication.'], AGE], (o) => [
    nameOf(o),
    jsonCell(field(o, 'spec', 'mtls', 'mode')),
    created(o),
  ]),
  authorizationpolicies: printer([NAME, ['Action', 0, 'The operation to take.'], AGE], (o) => [nameOf(o), jsonCell(field(o, 'spec', 'action')), created(o)]),
};
