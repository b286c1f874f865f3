import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { MESH_SCHEMA_PATH, meshJsonSchema } from '#domain/mesh/manifest-json-schema.ts';
import { parseManifest } from '#domain/mesh/manifest-parse.ts';

const root = new URL('../../../../', import.meta.url);
const published = JSON.parse(readFileSync(new URL(MESH_SCHEMA_PATH, root), 'utf8'));
const validate = new Ajv({ strict: true, allErrors: true }).compile(published);
const SEEDS = ['receipt.hms.yml', 'manifests/notification.yaml', 'policies/irs-fraud.yml', 'return-intake.yaml', 'fraud-scanner.yaml'];
const seed = (path: string) => readFileSync(new URL(`test/fixtures/seeds/${path}`, root), 'utf8');

describe('the published JSON Schema, docs/schemas/hms-mesh.v1.json', () => {
  it('is the one the parser’s schemas generate (run `npm run schema` after changing them)', () => {
    expect(published).toEqual(meshJsonSchema());
  });

  it.each(SEEDS)('accepts the seed %s verbatim and its canonical form', (file) => {
    const text = seed(file);
    expect(validate(parseYaml(text)), JSON.stringify(validate.errors)).toBe(true);
    const { document } = parseManifest(text, { defaultNamespace: 'default' });
    expect(validate(document), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each([
    ['an unknown field', { ...parseYaml(seed('receipt.hms.yml')), replicas: 2 }],
    ['a port out of range', { ...parseYaml(seed('receipt.hms.yml')), port: 70_000 }],
    ['a name that is not a DNS-1123 label', { ...parseYaml(seed('receipt.hms.yml')), name: 'Receipt_Svc' }],
    ['negative retries', { service: { name: 'n', port: 7 }, mesh: { retries: -1 } }],
    ['an unparsable duration', { service: { name: 'n', port: 7 }, mesh: { circuit_breaker: { reset_seconds: 'soon' } } }],
    ['a misspelt breaker key', { service: { name: 'n', port: 7 }, mesh: { circuit_breaker: { max_failure: 5 } } }],
    ['mTLS neither required nor permissive', { service: { name: 'n', port: 7 }, mesh: { policy: { mTLS: 'on' } } }],
    ['a policy without a destination', { apiVersion: 'hms/v1', kind: 'TrafficPolicy', metadata: { name: 'p' }, spec: { source: 'a' } }],
    ['a Pod with two containers', { ...parseYaml(seed('return-intake.yaml')), spec: { containers: [{ image: 'a' }, { image: 'b' }] } }],
    [
      'a canonical service in lower-case mTLS',
      { apiVersion: 'hms-sys.io/v1', kind: 'MeshService', metadata: { name: 'a' }, spec: { port: 80, mtls: 'strict' } },
    ],
  ])('rejects %s, as the parser does', (_, file) => {
    expect(validate(file)).toBe(false);
    expect(() => parseManifest(JSON.stringify(file), { defaultNamespace: 'default' })).toThrow();
  });
});
