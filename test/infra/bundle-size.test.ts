import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '#domain/mesh/manifest-parse.ts';
import { meshFunction } from '#functions/mesh/triggers.ts';
import { bundleHandler } from '#infra/bundle-handler.ts';
import { handlerEntry, LAMBDA_BUNDLING, REPO_ROOT, SDK_CLIENT_ENTRIES } from '#infra/lambda-bundling.ts';
import { literalSchemaKeys, sdkSchemaKeysPlugin } from '#infra/sdk-schema-keys.ts';
import { BUNDLE_LIMIT_BYTES, topPackages } from '../bench/bundle-size.ts';
import { bundleEntry, type Entry, HANDLER_ENTRIES } from '../bench/bundling.ts';

const workDir = mkdtempSync(join(tmpdir(), 'hms-bundle-size-'));

/** Every declared handler, and the mesh function's until functions/index.ts declares it. */
function entries(): Entry[] {
  const declared = [...HANDLER_ENTRIES];
  const meshHandler = handlerEntry(meshFunction.name);
  const hasMesh = declared.some((e) => e.name === meshFunction.name);
  const meshWritten = readdirSync(join(REPO_ROOT, 'functions', meshFunction.name)).includes('handler.ts');
  return hasMesh || !meshWritten ? declared : [...declared, { name: meshFunction.name, path: meshHandler }];
}

/** Builds a throwaway ESM bundle from source and imports it. */
async function importBundle(contents: string, plugins: esbuild.Plugin[] = []): Promise<Record<string, unknown>> {
  const result = await esbuild.build({
    stdin: { contents, resolveDir: REPO_ROOT, loader: 'js' },
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    mainFields: LAMBDA_BUNDLING.mainFields,
    banner: { js: LAMBDA_BUNDLING.banner },
    plugins,
    logLevel: 'silent',
  });
  const file = join(mkdtempSync(join(workDir, 'import-')), 'index.mjs');
  writeFileSync(file, result.outputFiles[0]!.text);
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

/**
 * Bundles still over the limit: each may not grow past its ceiling, and leaves this list once it fits
 * (the test fails while a listed bundle is back under the limit). Issue 11 stays open until it is empty;
 * README's Deploy section names the cuts that would close the gap.
 */
const OVER_BUDGET: Readonly<Record<string, { ceilingBytes: number; why: string }>> = {
  mesh: {
    ceilingBytes: 590_000,
    why: 'the yaml parser (95 KB) with three SDK clients (DynamoDB, EKS, CloudWatch) and the apply path; about 75 KB short',
  },
};

describe('every Lambda bundle stays within 500 KB', () => {
  it('bundles each handler as the stack does, and none exceeds the limit but the listed ones, each under its ceiling', async () => {
    const sizes: Record<string, number> = {};
    const over: string[] = [];
    for (const entry of entries()) {
      const bundle = await bundleEntry(entry, workDir, LAMBDA_BUNDLING);
      sizes[bundle.name] = bundle.bytes;
      const limit = OVER_BUDGET[bundle.name]?.ceilingBytes ?? BUNDLE_LIMIT_BYTES;
      if (bundle.bytes > limit) {
        const top = topPackages(bundle).map((p) => `${p.package} ${(p.bytes / 1024).toFixed(1)} KB`);
        over.push(`${bundle.name}: ${(bundle.bytes / 1024).toFixed(1)} KB (largest: ${top.join(', ')})`);
      }
    }
    expect(Object.keys(sizes).length).toBeGreaterThanOrEqual(HANDLER_ENTRIES.length);
    expect(over).toEqual([]);
    const fitNow = Object.keys(OVER_BUDGET).filter((name) => (sizes[name] ?? 0) <= BUNDLE_LIMIT_BYTES);
    expect(fitNow, 'a bundle listed in OVER_BUDGET fits now: take it off the list').toEqual([]);
  });
});

describe("the yaml package's ES module build (LAMBDA_BUNDLING.alias), so esbuild drops what the parser never runs", () => {
  const seeds = join(REPO_ROOT, 'test/fixtures/seeds');
  const files = readdirSync(seeds, { recursive: true, encoding: 'utf8' }).filter((f) => /\.ya?ml$/.test(f));
  // Bad inputs the parser refuses at the YAML level: an alias bomb, custom and binary tags (YAML 1.1's
  // !!binary, which the two builds decode differently), a duplicate key, an undefined alias, a merge key, bad syntax.
  const bad = [
    `a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n`,
    'name: !custom receipt\nport: 80\n',
    '%YAML 1.1\n---\nname: receipt\nport: 80\nblob: !!binary aGVsbG8=\n',
    'name: a\nname: b\n',
    'name: *nowhere\n',
    'base: &b { port: 80 }\nname: x\n<<: *b\n',
    'name: [unclosed\n',
    '{"name": "receipt-svc", "port": 3000, "image": "ghcr.io/gov/receipt:1.0"}',
  ];
  const outcome = (parse: typeof parseManifest, text: string) => {
    try {
      return { ok: parse(text, { defaultNamespace: 'default', managedNamespaces: ['default', 'irs'] }) };
    } catch (err) {
      const e = err as { name: string; message: string; code?: string; field?: string };
      return { error: { name: e.name, message: e.message, code: e.code, field: e.field } };
    }
  };

  it('bundles the ES module build, and the bundled parser reads every seed manifest and refuses every bad one exactly as the source does', async () => {
    const out = join(mkdtempSync(join(workDir, 'yaml-')), 'index.mjs');
    const result = await bundleHandler({ name: 'yaml-parse', contents: "export { parseManifest } from '#domain/mesh/manifest-parse.ts';" }, out, {
      metafile: true,
    });
    const inputs = Object.keys(result.metafile?.inputs ?? {});
    expect(inputs.some((p) => p.startsWith('node_modules/yaml/browser/dist/'))).toBe(true);
    expect(inputs.filter((p) => p.startsWith('node_modules/yaml/dist/'))).toEqual([]);
    const bundled = (await import(pathToFileURL(out).href)) as { parseManifest: typeof parseManifest };
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const file of files) {
      const text = readFileSync(join(seeds, file), 'utf8');
      const source = outcome(parseManifest, text);
      expect(source, file).toHaveProperty('ok');
      expect(outcome(bundled.parseManifest, text), file).toEqual(source);
    }
    for (const text of bad) expect(outcome(bundled.parseManifest, text), text).toEqual(outcome(parseManifest, text));
    expect(bad.filter((text) => 'error' in outcome(parseManifest, text)).length).toBeGreaterThanOrEqual(bad.length - 1);
  });
});

describe('SDK client entries: only what hms-sys sends, the very same classes', () => {
  it('exports from each entry exactly the objects the package exports under those names', async () => {
    const lines = SDK_CLIENT_ENTRIES.flatMap((name, i) => [
      `import * as entry${i} from './infra/sdk-entries/${name}.js';`,
      `import * as pkg${i} from '@aws-sdk/${name}';`,
    ]);
    const pairs = SDK_CLIENT_ENTRIES.map((_, i) => `[entry${i}, pkg${i}]`).join(', ');
    const { pairs: built } = (await importBundle(`${lines.join('\n')}\nexport const pairs = [${pairs}];`)) as {
      pairs: [Record<string, unknown>, Record<string, unknown>][];
    };
    for (const [i, [entry, pkg]] of built.entries()) {
      const names = Object.keys(entry);
      expect(names.length, SDK_CLIENT_ENTRIES[i]).toBeGreaterThan(1);
      for (const name of names) expect(entry[name], `${SDK_CLIENT_ENTRIES[i]}: ${name}`).toBe(pkg[name]);
    }
  });
});

describe('the SDK schema plugin writes computed keys as their strings', () => {
  it('replaces a key naming a top-level string constant, and leaves any other key alone', () => {
    const source = [
      'const _ht = "http";',
      'const _e = "error";',
      'const _sc = "x-amz-storage-class";',
      'const _d = "once";',
      'var _d = "twice";',
      'export var Op$ = [9, "ns", "Op", { [_ht]: ["GET", "/a", 200], [_e]: "client", [_sc]: 1 }, () => 0];',
      'export var Other$ = { [dynamicKey]: 1, [_d]: 2 };',
    ].join('\n');
    const out = literalSchemaKeys(source);
    expect(out).toContain('{ "http": ["GET", "/a", 200], "error": "client", "x-amz-storage-class": 1 }');
    expect(out).toContain('{ [dynamicKey]: 1, [_d]: 2 }');
  });

  it('leaves a module that could shadow a constant (a function, a parameter) as it was', () => {
    for (const inner of ['function f(_ht) { return { [_ht]: 1 }; }', 'export const g = (_ht) => ({ [_ht]: 1 });', 'export const h = _ht => ({ [_ht]: 1 });']) {
      const source = `const _ht = "http";\nexport var Op$ = { [_ht]: 1 };\n${inner}`;
      expect(literalSchemaKeys(source), inner).toBe(source);
    }
  });

  it('leaves the SDK schemas equal, so operations serialize as before', async () => {
    const schemas = (client: string) => readFileSync(join(REPO_ROOT, 'node_modules/@aws-sdk', client, 'dist-es/schemas/schemas_0.js'), 'utf8');
    for (const client of ['client-eks', 'client-s3', 'client-scheduler', 'client-cloudwatch']) {
      expect(literalSchemaKeys(schemas(client)), client).not.toMatch(/\[_\w+\]:/);
    }
    const contents = [
      "export { DescribeCluster$ } from '@aws-sdk/client-eks/dist-es/schemas/schemas_0.js';",
      "export { PutObject$, GetObject$ } from '@aws-sdk/client-s3/dist-es/schemas/schemas_0.js';",
      "export { CreateSchedule$ } from '@aws-sdk/client-scheduler/dist-es/schemas/schemas_0.js';",
    ].join('\n');
    const plain = await importBundle(contents);
    const rewritten = await importBundle(contents, [sdkSchemaKeysPlugin()]);
    const resolve = (value: unknown, depth: number): unknown => {
      if (typeof value === 'function') return depth > 0 ? resolve((value as () => unknown)(), depth - 1) : 'thunk';
      if (Array.isArray(value)) return value.map((v) => resolve(v, depth));
      if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, depth)]));
      return value;
    };
    expect(Object.keys(rewritten).sort()).toEqual(['CreateSchedule$', 'DescribeCluster$', 'GetObject$', 'PutObject$']);
    for (const name of Object.keys(plain)) expect(resolve(rewritten[name], 4), name).toEqual(resolve(plain[name], 4));
    expect(JSON.stringify(resolve(rewritten.GetObject$, 1))).toContain('"http":["GET","/{Key+}?x-id=GetObject",200]');
  });
});
