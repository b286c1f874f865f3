import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HmsError } from '#domain/errors.ts';
import { parseManifest } from '#domain/mesh/manifest-parse.ts';
import { fieldPath, fieldUnder } from '#domain/mesh/manifest-paths.ts';

const seed = (path: string) => readFileSync(new URL(`../../../fixtures/seeds/${path}`, import.meta.url), 'utf8');
const parse = (text: string, contentType?: string) => parseManifest(text, { defaultNamespace: 'default', contentType });

function refusal(text: string, contentType?: string) {
  try {
    parse(text, contentType);
  } catch (err) {
    if (err instanceof HmsError) return { type: err.constructor.name, code: err.code, field: err.field, message: err.message };
    throw err;
  }
  throw new Error(`accepted: ${text}`);
}

const canonical = (spec: Record<string, unknown>) =>
  JSON.stringify({ apiVersion: 'hms-sys.io/v1', kind: 'MeshService', metadata: { name: 'a' }, spec: { port: 80, ...spec } });
const pod = (labels: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: {hms/mesh: enabled, ${labels}}}\nspec: {containers: [{image: x}]}`;

describe('pod labels Istio or hms-sys set or read are refused, naming the label', () => {
  it.each([
    'sidecar.istio.io/inject',
    'security.istio.io/tlsMode',
    'service.istio.io/canonical-name',
    'istio.io/rev',
    'istio.io/dataplane-mode',
    'topology.istio.io/network',
    'app.kubernetes.io/managed-by',
    'hms-sys.io/service',
    'hms-sys.io/anything',
    'hms/mesh',
  ])('spec.podLabels %s', (key) => {
    expect(refusal(canonical({ podLabels: { [key]: 'x' } }))).toMatchObject({ code: 'reserved_label', field: `spec.podLabels[${JSON.stringify(key)}]` });
  });

  it('in a Pod and a Deployment too', () => {
    expect(refusal(pod('istio.io/rev: canary'))).toMatchObject({ code: 'reserved_label', field: 'metadata.labels["istio.io/rev"]' });
    const deployment = `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    metadata: {labels: {hms/mesh: enabled, sidecar.istio.io/inject: "false"}}\n    spec: {containers: [{image: x}]}`;
    expect(refusal(deployment)).toMatchObject({ code: 'reserved_label', field: 'spec.template.metadata.labels["sidecar.istio.io/inject"]' });
  });

  it('app and version only when they agree with the name and version', () => {
    expect(refusal(canonical({ podLabels: { app: 'b' } }))).toMatchObject({ code: 'reserved_label', field: 'spec.podLabels.app' });
    expect(refusal(canonical({ version: '1', podLabels: { version: '2' } }))).toMatchObject({ code: 'reserved_label', field: 'spec.podLabels.version' });
    expect(refusal(canonical({ podLabels: { version: '2' } }))).toMatchObject({ field: 'spec.podLabels.version' });
    const spec = parse(canonical({ version: '1', podLabels: { app: 'a', version: '1', team: 'irs', 'example.com/tier': 'web' } })).document.spec;
    expect(spec).toMatchObject({ podLabels: { team: 'irs', 'example.com/tier': 'web' } });
  });

  it('checks Kubernetes label key and value syntax', () => {
    for (const key of ['bad..prefix/x', '-x', 'a/b/c', 'Upper.Case/x', `${'x'.repeat(64)}`, 'x/']) {
      expect(refusal(canonical({ podLabels: { [key]: 'v' } })), key).toMatchObject({ type: 'ValidationError', field: fieldUnder('spec.podLabels', key) });
    }
    for (const value of ['-x', 'a b', 'x'.repeat(64)]) {
      expect(refusal(canonical({ podLabels: { team: value } })), value).toMatchObject({ field: 'spec.podLabels.team' });
    }
  });
});

describe('field paths in the file’s notation', () => {
  it('writes indexes in brackets and quotes keys with dots or slashes', () => {
    expect(fieldPath(['routes', 0, 'path'])).toBe('routes[0].path');
    expect(fieldPath(['spec', 'containers', 0, 'ports', 0, 'containerPort'])).toBe('spec.containers[0].ports[0].containerPort');
    expect(fieldPath(['metadata', 'labels', 'hms/mesh'])).toBe('metadata.labels["hms/mesh"]');
    expect(fieldPath(['metadata', 'labels', 'a.b'])).not.toBe(fieldPath(['metadata', 'labels', 'a', 'b']));
  });

  it('a bad container port names spec.containers[0].ports[0].containerPort', () => {
    const text =
      'apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: {hms/mesh: enabled}}\nspec: {containers: [{image: x, ports: [{containerPort: 70000}]}]}';
    expect(refusal(text)).toMatchObject({ field: 'spec.containers[0].ports[0].containerPort' });
  });

  it('a duplicate key and a custom tag name their field', () => {
    expect(refusal('name: a\nport: 80\nscaling: {min: 1, min: 2, max: 3}')).toMatchObject({ code: 'duplicate_key', field: 'scaling.min' });
    expect(refusal('name: a\nport: 80\nroutes: [{path: /a, path: /b}]')).toMatchObject({ code: 'duplicate_key', field: 'routes[0].path' });
    expect(refusal('name: a\nport: !foo 80')).toMatchObject({ code: 'invalid_yaml', field: 'port' });
    expect(refusal('name: a\nport: 80\nscaling: !foo {min: 1, max: 2}')).toMatchObject({ field: 'scaling' });
  });
});

describe('messages say what is expected', () => {
  it('a bad duration names the unit, never a regex', () => {
    const resetX = refusal('service: {name: n, port: 7}\nmesh: {circuit_breaker: {reset_seconds: 1x}}');
    expect(resetX).toMatchObject({ field: 'mesh.circuit_breaker.reset_seconds' });
    expect(resetX.message).toContain('whole number of seconds');
    const quoted = refusal(seed('policies/irs-fraud.yml').replace('timeoutMs: 800', 'timeoutMs: "800"'));
    expect(quoted).toMatchObject({ field: 'spec.timeoutMs' });
    expect(quoted.message).toContain('must be a number of milliseconds, not a string');
    for (const answer of [resetX, quoted]) expect(answer.message).not.toMatch(/regex/);
  });

  it('a merge key is an unknown field at its path', () => {
    expect(refusal('name: a\nport: 80\nroutes: [&b {path: /a}]\nscaling: {<<: *b, min: 1, max: 2}')).toMatchObject({
      code: 'unknown_field',
      field: 'scaling.<<',
    });
    expect(refusal('name: a\nport: 80\nscaling: {<<: {min: 1, max: 2}}')).toMatchObject({ code: 'unknown_field', field: 'scaling.<<' });
    expect(refusal('name: a\nport: 80\nroutes: [{<<: {path: /x}, path: /y}]')).toMatchObject({ code: 'unknown_field', field: 'routes[0].<<' });
  });

  it('an undefined alias is not an alias bomb', () => {
    const answer = refusal('name: a\nport: 80\nscaling: {min: *x, max: 2}');
    expect(answer.message).toContain('alias *x is not defined');
    expect(answer.message).not.toMatch(/bomb/);
    expect(answer.field).toBe('scaling.min');
  });

  it('a known kind under a wrong apiVersion names apiVersion', () => {
    expect(refusal('apiVersion: hms/v2\nkind: TrafficPolicy\nmetadata: {name: a}')).toMatchObject({ field: 'apiVersion' });
    expect(refusal(seed('return-intake.yaml').replace('apiVersion: v1', 'apiVersion: v2'))).toMatchObject({ field: 'apiVersion' });
    expect(refusal('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}')).toMatchObject({ field: 'kind' });
  });

  it('a JSON body with a duplicate key is not called YAML', () => {
    const answer = refusal('{"name":"a","port":80,"port":81}', 'application/json');
    expect(answer).toMatchObject({ code: 'duplicate_key', field: 'port' });
    expect(answer.message).not.toMatch(/YAML/);
    expect(refusal('{"name":"a",,}', 'application/json').message).toMatch(/not valid JSON/);
  });
});

describe('lenient inputs are refused', () => {
  it('methods: [] (leave methods out for any method)', () => {
    const answer = refusal('name: a\nport: 80\nroutes: [{path: /a, methods: []}]');
    expect(answer).toMatchObject({ field: 'routes[0].methods' });
    expect(answer.message).toContain('leave methods out');
  });

  it('two routes with the same path', () => {
    expect(refusal('name: a\nport: 80\nroutes: [{path: /a}, {path: /b}, {path: /a, methods: [GET]}]')).toMatchObject({ field: 'routes[2].path' });
  });

  it('a port written in hex, octal or with an exponent', () => {
    for (const port of ['0x50', '0o120', '1e3', '8e1', '80.0', '+80']) {
      expect(refusal(`name: a\nport: ${port}`), port).toMatchObject({ field: 'port' });
    }
    expect(refusal('{"name":"a","port":1e3}', 'application/json')).toMatchObject({ field: 'port' });
    expect(refusal('name: a\nport: 80\nscaling: {min: 0x1, max: 2}')).toMatchObject({ field: 'scaling.min' });
    expect(parse('name: a\nport: 80').document.spec).toMatchObject({ port: 80 });
  });
});
