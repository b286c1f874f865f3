import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HmsError, PayloadTooLargeError } from '#domain/errors.ts';
import { parseManifest } from '#domain/mesh/manifest-parse.ts';
import { MAX_MANIFEST_BYTES } from '#domain/mesh/manifest-yaml.ts';

const seed = (path: string) => readFileSync(new URL(`../../../fixtures/seeds/${path}`, import.meta.url), 'utf8');
const parse = (text: string, extra: { managedNamespaces?: string[]; contentType?: string } = {}) =>
  parseManifest(text, { defaultNamespace: 'default', ...extra });

/** The error a text is refused with, as the API answers it. */
function refusal(text: string, extra: { managedNamespaces?: string[]; contentType?: string } = {}) {
  try {
    parse(text, extra);
  } catch (err) {
    if (err instanceof HmsError) return { type: err.constructor.name, code: err.code, field: err.field, message: err.message };
    throw err;
  }
  throw new Error(`accepted: ${text}`);
}

describe('parseManifest: the seeds verbatim', () => {
  it("reads chapter 12's receipt.hms.yml with the CPU default", () => {
    expect(parse(seed('receipt.hms.yml'))).toEqual({
      format: 'chapter-12-service',
      document: {
        apiVersion: 'hms-sys.io/v1',
        kind: 'MeshService',
        metadata: { name: 'receipt-svc', namespace: 'default' },
        spec: {
          version: '1.0.0',
          image: 'ghcr.io/gov/receipt:1.0',
          port: 3000,
          routes: [{ path: '/receipt', methods: ['POST'] }],
          scaling: { min: 2, max: 10, cpuPercent: 70 },
          mtls: 'STRICT',
          allowFrom: [],
          podLabels: {},
        },
      },
    });
  });

  it("reads chapter 10's notification.yaml: required is STRICT, the breaker keeps its words' values", () => {
    const { format, document } = parse(seed('manifests/notification.yaml'));
    expect(format).toBe('chapter-10-mesh');
    expect(document).toEqual({
      apiVersion: 'hms-sys.io/v1',
      kind: 'MeshService',
      metadata: { name: 'notification-svc', namespace: 'default' },
      spec: { port: 7000, routes: [], retries: 3, circuitBreaker: { consecutiveFailures: 5, resetSeconds: 30 }, mtls: 'STRICT', allowFrom: [], podLabels: {} },
    });
  });

  it("reads chapter 7's TrafficPolicy; errorPercent gets the 30 s reset window", () => {
    const { format, document } = parse(seed('policies/irs-fraud.yml'));
    expect(format).toBe('chapter-7-traffic-policy');
    expect(document).toEqual({
      apiVersion: 'hms-sys.io/v1',
      kind: 'TrafficPolicy',
      metadata: { name: 'fraud-scan-policy', namespace: 'default' },
      spec: {
        source: 'return-intake',
        destination: 'fraud-scanner',
        retries: 3,
        timeoutMs: 800,
        circuitBreaker: { maxConnections: 1000, errorPercent: 20, resetSeconds: 30 },
      },
    });
  });

  it.each(['return-intake', 'fraud-scanner'])("reads chapter 7's %s Pod as a service on port 80", (name) => {
    const { format, document } = parse(seed(`${name}.yaml`));
    expect(format).toBe('chapter-7-pod');
    expect(document.metadata).toEqual({ name, namespace: 'default' });
    expect(document.kind === 'MeshService' && document.spec).toMatchObject({ port: 80, image: expect.stringMatching(/^irs\//), mtls: 'STRICT', podLabels: {} });
  });

  it('round-trips: the canonical form parses back to itself, in YAML and in JSON', () => {
    for (const file of ['receipt.hms.yml', 'manifests/notification.yaml', 'policies/irs-fraud.yml', 'return-intake.yaml']) {
      const { document } = parse(seed(file));
      expect(parse(JSON.stringify(document), { contentType: 'application/json' })).toEqual({ format: 'canonical', document });
    }
  });
});

describe('parseManifest: the other accepted forms and extensions', () => {
  it('takes a meshed Deployment: the port, extra labels, replicas as a fixed scale', () => {
    const text = `apiVersion: apps/v1
kind: Deployment
metadata: {name: tax-calc, namespace: irs}
spec:
  replicas: 3
  selector: {matchLabels: {app: tax-calc}}
  template:
    metadata: {labels: {app: tax-calc, hms/mesh: enabled, team: returns, version: v2}}
    spec: {containers: [{name: app, image: irs/tax-calc:2, ports: [{containerPort: 8080}]}]}
`;
    expect(parse(text)).toEqual({
      format: 'kubernetes-deployment',
      document: {
        apiVersion: 'hms-sys.io/v1',
        kind: 'MeshService',
        metadata: { name: 'tax-calc', namespace: 'irs' },
        spec: {
          version: 'v2',
          image: 'irs/tax-calc:2',
          port: 8080,
          routes: [],
          scaling: { min: 3, max: 3, cpuPercent: 70 },
          mtls: 'STRICT',
          allowFrom: [],
          podLabels: { team: 'returns' },
        },
      },
    });
  });

  it('takes durations with units, permissive mTLS, allowFrom and a namespace', () => {
    const { document } = parse(`service: {name: notify, port: 7000, namespace: ssa}
mesh:
  timeoutMs: 1.5s
  circuit_breaker: {max_failures: 2, reset_seconds: 2m}
  policy: {mTLS: permissive, allowFrom: [irs]}
`);
    expect(document.metadata.namespace).toBe('ssa');
    expect(document.spec).toMatchObject({
      timeoutMs: 1500,
      circuitBreaker: { consecutiveFailures: 2, resetSeconds: 120 },
      mtls: 'PERMISSIVE',
      allowFrom: ['irs'],
    });
  });

  it('keeps a version written as a number as its text', () => {
    const { document } = parse('name: a\nversion: 1.0\nport: 80\n');
    expect(document.kind === 'MeshService' && document.spec.version).toBe('1.0');
  });
});

describe('parseManifest: bad input names the field as the file writes it', () => {
  it.each([
    ['service: {name: n, port: 7}\nmesh: {circuit_breaker: {max_failures: 0}}', 'mesh.circuit_breaker.max_failures', 'validation_failed'],
    ['service: {name: n, port: 7}\nmesh: {circuit_breaker: {max_failures: five}}', 'mesh.circuit_breaker.max_failures', 'validation_failed'],
    ['service: {name: n, port: 7}\nmesh: {circuit_breaker: {reset_seconds: soon}}', 'mesh.circuit_breaker.reset_seconds', 'validation_failed'],
    ['service: {name: n, port: 7}\nmesh: {retries: -1}', 'mesh.retries', 'validation_failed'],
    ['service: {name: n, port: 7}\nmesh: {policy: {mTLS: maybe}}', 'mesh.policy.mTLS', 'validation_failed'],
    ['service: {name: n, port: 7}\nmesh: {circuitBreaker: {}}', 'mesh.circuitBreaker', 'unknown_field'],
    ['name: Receipt_Svc\nport: 80', 'name', 'validation_failed'],
    ['name: r\nport: 0', 'port', 'validation_failed'],
    ['name: r\nport: 65536', 'port', 'validation_failed'],
    ['name: r\nport: "80"', 'port', 'validation_failed'],
    ['name: r\nport: 80\nreplicas: 2', 'replicas', 'unknown_field'],
    ['name: r\nport: 80\nroutes: [{path: receipt}]', 'routes[0].path', 'validation_failed'],
    ['name: r\nport: 80\nroutes: [{path: /r, methods: [post]}]', 'routes[0].methods[0]', 'validation_failed'],
    ['name: r\nport: 80\nscaling: {min: 5, max: 2}', 'scaling.max', 'validation_failed'],
    ['name: r\nport: 80\nnamespace: Not-DNS', 'namespace', 'validation_failed'],
    [seed('policies/irs-fraud.yml').replace('timeoutMs: 800', 'timeoutMs: 800 parsecs'), 'spec.timeoutMs', 'validation_failed'],
    [seed('policies/irs-fraud.yml').replace('timeoutMs: 800', 'timeoutMs: 0'), 'spec.timeoutMs', 'validation_failed'],
    [seed('policies/irs-fraud.yml').replace('errorPercent: 20', 'errorPercent: 120'), 'spec.circuitBreaker.errorPercent', 'validation_failed'],
    [seed('policies/irs-fraud.yml').replace('destination: fraud-scanner', 'destination: return-intake'), 'spec.destination', 'validation_failed'],
    [seed('policies/irs-fraud.yml').replace('retries: 3', 'retry: 3'), 'spec.retry', 'unknown_field'],
    [seed('return-intake.yaml').replace('app: return-intake,', 'app: other,'), 'metadata.labels.app', 'validation_failed'],
    [`${seed('return-intake.yaml')}  restartPolicy: Always\n`, 'spec.restartPolicy', 'unknown_field'],
    ['apiVersion: hms/v1\nkind: MeshService\nmetadata: {name: a}', 'kind', 'validation_failed'],
  ])('%#: field %s', (text, field, code) => {
    const answer = refusal(text);
    expect(answer).toMatchObject({ type: 'ValidationError', field, code });
    expect(answer.message).toContain(field);
  });

  it('a Pod without hms/mesh: enabled does not join the mesh (422)', () => {
    expect(refusal(seed('return-intake.yaml').replace('hms/mesh: enabled', 'hms/mesh: disabled'))).toMatchObject({
      type: 'UnprocessableError',
      code: 'not_in_mesh',
      field: 'metadata.labels["hms/mesh"]',
    });
  });

  it('a kind hms-sys does not apply is 422 on kind; a namespace it does not manage is 422 on the namespace field', () => {
    expect(refusal('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}')).toMatchObject({ type: 'UnprocessableError', field: 'kind' });
    expect(refusal(seed('manifests/notification.yaml'), { managedNamespaces: ['irs'] })).toMatchObject({
      type: 'UnprocessableError',
      code: 'namespace_not_managed',
      field: 'service.namespace',
    });
    expect(parse(seed('receipt.hms.yml'), { managedNamespaces: ['default'] }).document.metadata.namespace).toBe('default');
  });

  it('canonical podLabels may not set a label hms-sys owns', () => {
    const text = JSON.stringify({ apiVersion: 'hms-sys.io/v1', kind: 'MeshService', metadata: { name: 'a' }, spec: { port: 80, podLabels: { app: 'b' } } });
    expect(refusal(text)).toMatchObject({ code: 'reserved_label', field: 'spec.podLabels.app' });
  });
});

describe('parseManifest: files an attacker or a slip would send', () => {
  it('refuses an alias bomb without expanding it', () => {
    const levels = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < 9; i++)
      levels.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(', ')}]`,
      );
    expect(refusal(levels.join('\n'))).toMatchObject({ type: 'ValidationError', code: 'yaml_too_complex', field: null });
  });

  it('refuses aliases that stay under the count yet expand past the value limit', () => {
    const text = `x: &x [${Array(400).fill('1').join(', ')}]\ny: [${Array(16).fill('*x').join(', ')}]`;
    expect(refusal(text)).toMatchObject({ code: 'yaml_too_complex' });
  });

  it('refuses a file over 64 KiB with 413, counting UTF-8 bytes', () => {
    const padding = `# ${'é'.repeat(MAX_MANIFEST_BYTES / 2)}\n`;
    expect(padding.length).toBeLessThan(MAX_MANIFEST_BYTES);
    expect(() => parse(padding + seed('receipt.hms.yml'))).toThrow(PayloadTooLargeError);
    expect(parse(`# ${'x'.repeat(60_000)}\n${seed('receipt.hms.yml')}`).format).toBe('chapter-12-service');
  });

  it('refuses two documents in one file, an empty file, a list, duplicate keys and custom tags', () => {
    expect(refusal(`${seed('receipt.hms.yml')}---\n${seed('manifests/notification.yaml')}`)).toMatchObject({ code: 'multiple_documents' });
    expect(parse(`---\n${seed('receipt.hms.yml')}---\n`).format).toBe('chapter-12-service');
    expect(refusal('# nothing\n')).toMatchObject({ code: 'invalid_yaml' });
    expect(refusal('- name: a\n')).toMatchObject({ code: 'invalid_manifest' });
    expect(refusal('name: a\nname: b\nport: 80\n')).toMatchObject({ code: 'duplicate_key', field: 'name' });
    expect(refusal('name: !!js/function "x"\nport: 80\n')).toMatchObject({ code: 'invalid_yaml' });
    expect(refusal('name: [unclosed\n')).toMatchObject({ code: 'invalid_yaml' });
  });

  it('refuses __proto__ and YAML merge keys as unknown fields, polluting nothing', () => {
    expect(refusal('name: a\nport: 80\n__proto__: {polluted: 1}\n')).toMatchObject({ code: 'unknown_field', field: '__proto__' });
    expect(refusal('{"name":"a","port":80,"scaling":{"min":1,"max":2,"__proto__":{"polluted":1}}}')).toMatchObject({ field: 'scaling.__proto__' });
    expect(refusal('name: a\nport: 80\n<<: {image: x}\n')).toMatchObject({ code: 'unknown_field', field: '<<' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a form-encoded body naming content-type', () => {
    expect(refusal(seed('receipt.hms.yml'), { contentType: 'application/x-www-form-urlencoded' })).toMatchObject({ field: 'content-type' });
    expect(parse(seed('receipt.hms.yml'), { contentType: 'application/yaml; charset=utf-8' }).format).toBe('chapter-12-service');
  });
});
