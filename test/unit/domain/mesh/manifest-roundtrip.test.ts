import { readdirSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseManifest } from '#domain/mesh/manifest-parse.ts';

const SEEDS = new URL('../../../fixtures/seeds/', import.meta.url);

/** Every manifest fixture under test/fixtures/seeds (the README there is not one). */
function fixtures(dir: URL, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = `${prefix}${name}`;
    if (statSync(new URL(name, dir)).isDirectory()) return fixtures(new URL(`${name}/`, dir), `${path}/`);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

const parse = (text: string, contentType?: string) => parseManifest(text, { defaultNamespace: 'default', ...(contentType ? { contentType } : {}) });

describe('the canonical form parses back to itself', () => {
  const files = fixtures(SEEDS);
  it('covers every seed fixture', () => {
    expect(files).toEqual(expect.arrayContaining(['receipt.hms.yml', 'manifests/notification.yaml', 'policies/irs-fraud.yml']));
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  for (const file of files) {
    it(`${file}: as YAML and as JSON`, () => {
      const first = parse(readFileSync(new URL(file, SEEDS), 'utf8')).document;
      const fromYaml = parse(stringify(first));
      expect(fromYaml).toEqual({ format: 'canonical', document: first });
      expect(parse(JSON.stringify(first), 'application/json').document).toEqual(first);
    });
  }

  it('a route for any method (methods: []) is read back from the canonical form, and stays refused in the seed formats', () => {
    const canonical = 'apiVersion: hms-sys.io/v1\nkind: MeshService\nmetadata: {name: a}\nspec: {port: 80, routes: [{path: /a, methods: []}]}\n';
    const document = parse(canonical).document;
    expect(document).toMatchObject({ spec: { routes: [{ path: '/a', methods: [] }] } });
    expect(parse(stringify(document)).document).toEqual(document);
    expect(() => parse('name: a\nport: 80\nroutes: [{path: /a, methods: []}]')).toThrow(/must not be empty/);
  });
});
