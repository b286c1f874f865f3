/**
 * Checks of rendered objects that the @kubernetes-models schemas skip: those models check types and
 * required fields but accept unknown fields and skip the CRDs' CEL rules (x-kubernetes-validations) and
 * the API server's own rules. renderService runs these so a bad rendering throws before anything is applied.
 */
import type { KubeObject } from './kube-resources.ts';

export interface CheckIssue {
  /** e.g. VirtualService/receipt-svc */
  object: string;
  /** e.g. spec.http[0].retries.perTryTimeout */
  path: string;
  message: string;
}

type Json = Record<string, unknown>;
const asObject = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const GO_DURATION = /^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$/;
const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };

/** Envoy's x-envoy-retry-on and x-envoy-retry-grpc-on policies; Istio also takes bare status codes (https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry). */
export const RETRY_ON_POLICIES = new Set([
  '5xx',
  'gateway-error',
  'reset',
  'reset-before-request',
  'connect-failure',
  'envoy-ratelimited',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'retriable-headers',
  'http3-post-connect-failure',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
]);

/** A Go-style duration in milliseconds, or undefined when it does not parse. */
export function durationMs(text: string): number | undefined {
  if (!GO_DURATION.test(text)) return undefined;
  let total = 0;
  for (const [, num, , unit] of text.matchAll(/(\d+(\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) total += Number(num) * (UNIT_MS[unit as string] ?? Number.NaN);
  return total;
}

/** A DNS-1123 subdomain, optionally with a leading "*." wildcard, as VirtualService and ServiceEntry hosts must be. */
export function isHostName(host: string): boolean {
  const bare = host.startsWith('*.') ? host.slice(2) : host;
  return bare.length > 0 && bare.length <= 253 && bare.split('.').every((label) => label.length <= 63 && DNS1123_LABEL.test(label));
}

export function isLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  return name.length <= 63 && LABEL_NAME.test(name) && (prefix === undefined || isHostName(prefix));
}

export const isLabelValue = (value: string): boolean => value.length <= 63 && LABEL_VALUE.test(value);

class Collector {
  readonly issues: CheckIssue[] = [];
  constructor(private readonly object: string) {}
  fail(path: string, message: string) {
    this.issues.push({ object: this.object, path, message });
  }
  duration(path: string, value: unknown): number | undefined {
    if (value === undefined) return undefined;
    const ms = typeof value === 'string' ? durationMs(value) : undefined;
    if (ms === undefined) this.fail(path, `"${String(value)}" is not a duration such as 800ms or 2s`);
    else if (ms < 1) this.fail(path, 'must be at least 1ms');
    return ms;
  }
  port(path: string, value: unknown) {
    if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 65535) this.fail(path, 'must be a port from 1 to 65535');
  }
  hosts(path: string, hosts: unknown[]) {
    hosts.forEach((h, i) => {
      if (typeof h !== 'string' || !isHostName(h)) this.fail(`${path}[${i}]`, `"${String(h)}" is not a host name`);
    });
  }
  labels(path: string, labels: unknown) {
    for (const [key, value] of Object.entries(asObject(labels))) {
      if (!isLabelKey(key)) this.fail(`${path}.${key}`, 'is not a valid label key');
      if (typeof value !== 'string' || !isLabelValue(value))
        this.fail(`${path}.${key}`, 'is not a valid label value (63 characters at most, alphanumeric at both ends)');
    }
  }
}

function checkHttpRoute(c: Collector, route: Json, at: string, last: boolean) {
  const actions = ['route', 'redirect', 'directResponse'].filter((k) => route[k] !== undefined);
  if (actions.length !== 1) c.fail(at, 'needs exactly one of route, redirect and directResponse');
  if (route.match === undefined && !last) c.fail(at, 'a route without a match catches everything, so only the last route may lack one');
  const direct = route.directResponse === undefined ? undefined : asObject(route.directResponse);
  if (direct) {
    const status = direct.status;
    if (!Number.isInteger(status) || (status as number) < 200 || (status as number) > 599)
      c.fail(`${at}.directResponse.status`, 'must be an HTTP status from 200 to 599');
    for (const k of ['retries', 'timeout', 'fault', 'mirror'])
      if (route[k] !== undefined) c.fail(`${at}.${k}`, 'has no effect on a directResponse, which never reaches an upstream');
  }
  const timeout = c.duration(`${at}.timeout`, route.timeout);
  if (route.retries !== undefined) {
    const retries = asObject(route.retries);
    const attempts = retries.attempts;
    if (attempts !== undefined && (!Number.isInteger(attempts) || (attempts as number) < 0))
      c.fail(`${at}.retries.attempts`, 'must be a whole number, 0 or more');
    const perTry = c.duration(`${at}.retries.perTryTimeout`, retries.perTryTimeout);
    if (perTry !== undefined && timeout !== undefined && perTry > timeout)
      c.fail(`${at}.retries.perTryTimeout`, `is longer than the route's timeout ${String(route.timeout)}`);
    if (retries.retryOn !== undefined) {
      for (const cond of String(retries.retryOn).split(',')) {
        if (!RETRY_ON_POLICIES.has(cond) && !/^[1-5]\d\d$/.test(cond)) c.fail(`${at}.retries.retryOn`, `"${cond}" is not a retry condition Envoy knows`);
      }
    }
  }
  const destinations = asArray(route.route).map(asObject);
  destinations.forEach((d, j) => {
    const dest = asObject(d.destination);
    if (typeof dest.host !== 'string' || !isHostName(dest.host)) c.fail(`${at}.route[${j}].destination.host`, 'is not a host name');
    if (dest.port !== undefined) c.port(`${at}.route[${j}].destination.port.number`, asObject(dest.port).number);
  });
  if (destinations.length > 1) {
    const sum = destinations.reduce((s, d) => s + (typeof d.weight === 'number' ? d.weight : 0), 0);
    if (sum !== 100) c.fail(`${at}.route`, `weights add up to ${sum}, not 100`);
  }
  asArray(route.match).forEach((m, j) => {
    c.labels(`${at}.match[${j}].sourceLabels`, asObject(m).sourceLabels);
  });
}

function checkSpec(c: Collector, obj: KubeObject) {
  const spec = asObject(obj.spec);
  switch (obj.kind) {
    case 'VirtualService': {
      const hosts = asArray(spec.hosts);
      if (hosts.length === 0) c.fail('spec.hosts', 'needs at least one host');
      c.hosts('spec.hosts', hosts);
      const http = asArray(spec.http).map(asObject);
      http.forEach((r, i) => {
        checkHttpRoute(c, r, `spec.http[${i}]`, i === http.length - 1);
      });
      return;
    }
    case 'DestinationRule': {
      if (typeof spec.host !== 'string' || !isHostName(spec.host)) c.fail('spec.host', 'is not a host name');
      const tp = asObject(spec.trafficPolicy);
      const od = tp.outlierDetection === undefined ? undefined : asObject(tp.outlierDetection);
      if (od) {
        const pct = od.maxEjectionPercent;
        if (pct !== undefined && (!Number.isInteger(pct) || (pct as number) < 0 || (pct as number) > 100))
          c.fail('spec.trafficPolicy.outlierDetection.maxEjectionPercent', 'must be from 0 to 100');
        const n = od.consecutive5xxErrors;
        if (n !== undefined && (!Number.isInteger(n) || (n as number) < 0))
          c.fail('spec.trafficPolicy.outlierDetection.consecutive5xxErrors', 'must be a whole number, 0 or more');
        c.duration('spec.trafficPolicy.outlierDetection.interval', od.interval);
        c.duration('spec.trafficPolicy.outlierDetection.baseEjectionTime', od.baseEjectionTime);
      }
      const max = asObject(asObject(tp.connectionPool).tcp).maxConnections;
      if (max !== undefined && (!Number.isInteger(max) || (max as number) < 1 || (max as number) > 2 ** 31 - 1))
        c.fail('spec.trafficPolicy.connectionPool.tcp.maxConnections', 'must be from 1 to 2147483647');
      return;
    }
    case 'ServiceEntry': {
      c.hosts('spec.hosts', asArray(spec.hosts));
      const ports = asArray(spec.ports).map(asObject);
      if (new Set(ports.map((p) => p.number)).size !== ports.length) c.fail('spec.ports', 'port numbers repeat');
      if (new Set(ports.map((p) => p.name)).size !== ports.length) c.fail('spec.ports', 'port names repeat');
      ports.forEach((p, i) => {
        c.port(`spec.ports[${i}].number`, p.number);
        if (p.targetPort !== undefined) c.port(`spec.ports[${i}].targetPort`, p.targetPort);
      });
      if (spec.workloadSelector !== undefined && spec.endpoints !== undefined) c.fail('spec', 'workloadSelector and endpoints exclude each other');
      if (spec.workloadSelector !== undefined && spec.location !== 'MESH_INTERNAL') c.fail('spec.workloadSelector', 'applies only to MESH_INTERNAL entries');
      return;
    }
    case 'PeerAuthentication':
      if (!['STRICT', 'PERMISSIVE', 'DISABLE', 'UNSET'].includes(String(asObject(spec.mtls).mode)))
        c.fail('spec.mtls.mode', 'must be STRICT, PERMISSIVE, DISABLE or UNSET');
      return;
    case 'AuthorizationPolicy':
      if (!['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'].includes(String(spec.action))) c.fail('spec.action', 'must be ALLOW, DENY, AUDIT or CUSTOM');
      if (spec.selector !== undefined && (spec.targetRef !== undefined || spec.targetRefs !== undefined))
        c.fail('spec', 'selector and targetRefs exclude each other');
      return;
    case 'Service':
      if (!DNS1035_LABEL.test(obj.metadata.name)) c.fail('metadata.name', 'a Service name must be a DNS-1035 label (a lower-case letter first)');
      asArray(spec.ports).forEach((p, i) => {
        c.port(`spec.ports[${i}].port`, asObject(p).port);
      });
      return;
    case 'Deployment': {
      if (spec.replicas !== undefined) c.fail('spec.replicas', 'hms-sys never applies replicas: the autoscale rule owns the count');
      const template = asObject(spec.template);
      const podLabels = asObject(asObject(template.metadata).labels);
      c.labels('spec.template.metadata.labels', podLabels);
      for (const [k, v] of Object.entries(asObject(asObject(spec.selector).matchLabels))) {
        if (podLabels[k] !== v) c.fail(`spec.selector.matchLabels.${k}`, 'the pod template lacks this label, so the selector matches no pod');
      }
      return;
    }
  }
}

/** Every issue of every object; empty when all pass. */
export function checkObjects(objects: KubeObject[]): CheckIssue[] {
  return objects.flatMap((obj) => {
    const c = new Collector(`${obj.kind}/${obj.metadata.name}`);
    const { name, namespace, labels } = obj.metadata;
    if (!isHostName(name) || name.startsWith('*')) c.fail('metadata.name', 'must be a DNS-1123 subdomain');
    if (namespace === undefined || !DNS1123_LABEL.test(namespace)) c.fail('metadata.namespace', 'must be a DNS-1123 label');
    c.labels('metadata.labels', labels);
    checkSpec(c, obj);
    return c.issues;
  });
}
