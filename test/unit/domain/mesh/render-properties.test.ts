/**
 * Properties of renderService over any canonical manifest the parser accepts, with any policies aimed
 * at it and any pause or open breaker: it renders objects that pass the @kubernetes-models schemas and
 * hms-sys's own checks, deterministically, and keeps the promises the README makes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Breaker, MeshService, Pause, TrafficPolicy } from '#domain/mesh/canonical.ts';
import { MANAGED_BY_LABEL, RENDERED_KINDS, SERVICE_LABEL } from '#domain/mesh/kube-resources.ts';
import { parseManifest } from '#domain/mesh/manifest-parse.ts';
import { renderService } from '#domain/mesh/render.ts';
import type { RenderInput } from '#domain/mesh/rendering.ts';
import { modelErrors } from './render-models.ts';

const NAMESPACES = ['default', 'irs', 'ssa'];
const name = fc.stringMatching(/^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$/);
const labelValue = fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,20}[A-Za-z0-9])?$/);
// A route lists at least one method (or none at all: any method), and each path once.
const methods = fc.option(fc.subarray(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], { minLength: 1 }), { nil: undefined });
const breakerSpec = fc.record(
  {
    consecutiveFailures: fc.integer({ min: 1, max: 1000 }),
    resetSeconds: fc.integer({ min: 1, max: 3600 }),
    maxConnections: fc.integer({ min: 1, max: 2_147_483_647 }),
    errorPercent: fc.double({ min: 0.1, max: 100, noNaN: true }),
  },
  { requiredKeys: [] },
);
const resilience = { retries: fc.integer({ min: 0, max: 10 }), timeoutMs: fc.integer({ min: 1, max: 3_600_000 }), circuitBreaker: breakerSpec };

const serviceDocument = fc.record({
  apiVersion: fc.constant('hms-sys.io/v1'),
  kind: fc.constant('MeshService'),
  metadata: fc.record({ name, namespace: fc.constantFrom(...NAMESPACES) }),
  spec: fc.record(
    {
      version: labelValue,
      image: fc.constantFrom('ghcr.io/gov/receipt:1.0', 'irs/fraud-scanner:1.0', 'registry.example.gov:5000/team/app@sha256:abc'),
      port: fc.integer({ min: 1, max: 65_535 }),
      routes: fc.uniqueArray(fc.record({ path: fc.stringMatching(/^\/[a-z0-9/_.-]{0,20}$/), methods }, { requiredKeys: ['path'] }), {
        maxLength: 4,
        selector: (r) => r.path,
      }),
      scaling: fc
        .integer({ min: 1, max: 50 })
        .chain((min) => fc.record({ min: fc.constant(min), max: fc.integer({ min, max: 100 }), cpuPercent: fc.integer({ min: 1, max: 100 }) })),
      ...resilience,
      mtls: fc.constantFrom('STRICT', 'PERMISSIVE'),
      allowFrom: fc.subarray(NAMESPACES),
      // Keys of the team's own (a label Istio or hms-sys set or read, or app/version, is refused by the parser).
      podLabels: fc.dictionary(
        fc.stringMatching(/^([a-z]{1,8}\.example\.gov\/)?[a-z]([-a-z0-9]{0,10}[a-z0-9])?$/).filter((k) => k !== 'app' && k !== 'version'),
        labelValue,
        { maxKeys: 3 },
      ),
    },
    { requiredKeys: ['port'] },
  ),
});

const policyDocument = (destination: string) =>
  fc.record({
    apiVersion: fc.constant('hms-sys.io/v1'),
    kind: fc.constant('TrafficPolicy'),
    metadata: fc.record({ name }),
    spec: fc.record(
      { source: name.filter((n) => n !== destination), destination: fc.constant(destination), ...resilience },
      { requiredKeys: ['source', 'destination'] },
    ),
  });

const parse = (doc: unknown) => parseManifest(JSON.stringify(doc), { defaultNamespace: 'default', contentType: 'application/json' }).document;

const renderInput = serviceDocument.chain((doc) => {
  const service = parse(doc) as MeshService;
  const { name: svc, namespace } = service.metadata;
  const pause: fc.Arbitrary<Pause | undefined> = fc.option(
    fc.constant({ service: svc, namespace, until: '2026-12-03T18:00:00.000Z', by: 'ops', createdAt: '2026-12-03T17:30:00.000Z', version: 1 }),
    { nil: undefined },
  );
  const breaker: fc.Arbitrary<Breaker | undefined> = fc.option(
    fc.constant({ service: svc, namespace, openedAt: '2026-12-03T17:30:00.000Z', until: '2026-12-03T17:30:30.000Z', alarm: 'a', reasons: [], version: 1 }),
    { nil: undefined },
  );
  return fc.record({
    service: fc.constant(service),
    mode: fc.constantFrom('sidecar' as const, 'ambient' as const),
    trustDomain: fc.constant('cluster.local'),
    policies: fc.uniqueArray(policyDocument(svc), { maxLength: 3, selector: (p) => p.metadata.name }).map((ps) => ps.map((p) => parse(p) as TrafficPolicy)),
    sourceNamespaces: fc.dictionary(name, fc.constantFrom(...NAMESPACES), { maxKeys: 3 }),
    pause,
    breaker,
  });
});

const withoutUndefined = (input: RenderInput): RenderInput => JSON.parse(JSON.stringify(input));

describe('renderService over any canonical manifest', () => {
  it('renders objects that pass their schemas and the checks, in apply order, labelled, never with replicas', () => {
    fc.assert(
      fc.property(renderInput, (raw) => {
        const input = withoutUndefined(raw);
        const { objects } = renderService(input);
        const order = objects.map((o) => RENDERED_KINDS.indexOf(o.kind as (typeof RENDERED_KINDS)[number]));
        expect(order.every((k, i) => k >= 0 && (i === 0 || k >= (order[i - 1] ?? 0)))).toBe(true);
        const policiesOnAuthz = objects.filter((o) => o.kind === 'AuthorizationPolicy').length;
        expect(policiesOnAuthz).toBe(input.mode === 'ambient' ? 2 : 1);
        for (const o of objects) {
          expect(modelErrors(o)).toEqual([]);
          expect(o.metadata.labels).toMatchObject({ [MANAGED_BY_LABEL]: 'hms-sys', [SERVICE_LABEL]: input.service.metadata.name });
          expect(o.metadata.namespace).toBe(input.service.metadata.namespace);
        }
        const deployment = objects.find((o) => o.kind === 'Deployment') as { spec: Record<string, unknown> } | undefined;
        expect(deployment?.spec.replicas).toBeUndefined();
        expect(deployment === undefined).toBe(input.service.spec.image === undefined);
      }),
    );
  });

  it('is deterministic: the same input, with its policies in any order, renders the same objects and reasons', () => {
    fc.assert(
      fc.property(renderInput, (raw) => {
        const input = withoutUndefined(raw);
        const once = renderService(input);
        expect(renderService(structuredClone(input))).toEqual(once);
        expect(renderService({ ...input, policies: [...input.policies].reverse() })).toEqual(once);
      }),
    );
  });

  it('answers a pause or an open breaker with a first 503 directResponse route that nothing retries, and keeps every policy’s source route', () => {
    fc.assert(
      fc.property(renderInput, (raw) => {
        const input = withoutUndefined(raw);
        const vs = renderService(input).objects.find((o) => o.kind === 'VirtualService') as unknown as { spec: { http: Record<string, any>[] } };
        const [first] = vs.spec.http;
        if (input.pause || input.breaker) {
          expect(first?.directResponse.status).toBe(503);
          expect(first?.retries).toBeUndefined();
          expect(vs.spec.http.filter((r) => r.directResponse)).toHaveLength(1);
        } else expect(vs.spec.http.some((r) => r.directResponse)).toBe(false);
        for (const p of input.policies) {
          const route = vs.spec.http.find((r) => r.name === `policy-${p.metadata.name}`);
          expect(route?.match.every((m: { sourceLabels: Record<string, string> }) => m.sourceLabels.app === p.spec.source)).toBe(true);
        }
        expect(vs.spec.http.at(-1)?.name).toBe('default');
      }),
    );
  });
});
