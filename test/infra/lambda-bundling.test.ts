import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';
import { handlerEntry, LAMBDA_BUNDLING, LAZY_BUILTIN_SPECIFIERS, LAZY_BUILTINS, REPO_ROOT } from '#infra/lambda-bundling.ts';

const require = createRequire(import.meta.url);
const shims = Object.entries(LAMBDA_BUNDLING.alias).filter(([, to]) => to.startsWith('infra/lazy-builtins/'));

/** The project's bundling options as the esbuild API takes them (the stack passes the same as CLI flags). */
const projectBuild = (input: Pick<esbuild.BuildOptions, 'entryPoints' | 'stdin'>) =>
  esbuild.build({
    ...input,
    absWorkingDir: REPO_ROOT,
    bundle: true,
    write: false,
    outfile: 'index.mjs',
    platform: 'node',
    format: LAMBDA_BUNDLING.format,
    target: LAMBDA_BUNDLING.target,
    mainFields: LAMBDA_BUNDLING.mainFields,
    alias: Object.fromEntries(Object.entries(LAMBDA_BUNDLING.alias).map(([from, to]) => [from, join(REPO_ROOT, to)])),
    banner: { js: LAMBDA_BUNDLING.banner },
    logLevel: 'silent',
  });

describe('built-ins loaded by the code that needs them, not at import', () => {
  it('aliases each lazy built-in to a shim that is that very module', () => {
    expect(shims.map(([from]) => from).sort()).toEqual([...LAZY_BUILTIN_SPECIFIERS].sort());
    expect(LAZY_BUILTIN_SPECIFIERS).toEqual(expect.arrayContaining(LAZY_BUILTINS.map((m) => `node:${m}`)));
    for (const [from, to] of shims) {
      expect(existsSync(join(REPO_ROOT, to)), to).toBe(true);
      expect(require(join(REPO_ROOT, to)), from).toBe(process.getBuiltinModule(from.startsWith('node:') ? from : `node:${from}`));
    }
  });

  it("leaves none of them among the scaler bundle's top-level imports", async () => {
    const result = await projectBuild({ entryPoints: [handlerEntry('scaler')] });
    const code = result.outputFiles[0]!.text;
    const staticImports = [...code.matchAll(/^import .* from ["']([^"']+)["'];?$/gm)].map(([, from]) => from!.replace(/^node:/, ''));
    expect(staticImports.length).toBeGreaterThan(0);
    expect(staticImports.filter((m) => (LAZY_BUILTINS as readonly string[]).includes(m))).toEqual([]);
    // The SDK's HTTP handler still gets https, through its shim, when its module is first evaluated.
    expect(code).toContain('process.getBuiltinModule("node:https")');
  });

  it('gives every built-in subpath of an aliased name its own entry, since an alias captures subpaths', () => {
    const aliased = LAZY_BUILTIN_SPECIFIERS.map((s) => s.replace(/^node:/, ''));
    const subpaths = builtinModules.filter((m) => aliased.some((name) => m.startsWith(`${name}/`)));
    expect(subpaths).toEqual(expect.arrayContaining(['util/types', 'path/posix']));
    expect(aliased).toEqual(expect.arrayContaining(subpaths));
  });

  it('bundles and runs a module importing node:util/types and node:path/posix', async () => {
    const result = await projectBuild({
      stdin: {
        resolveDir: REPO_ROOT,
        loader: 'ts',
        sourcefile: 'subpaths.ts',
        contents: [
          "import { isDate } from 'node:util/types';",
          "import { join, sep } from 'node:path/posix';",
          "import { win32 } from 'node:path';",
          "import { inspect } from 'node:util';",
          "export const seen = [isDate(new Date()), join('a', 'b'), sep, win32.sep, inspect('x')];",
        ].join('\n'),
      },
    });
    const file = join(mkdtempSync(join(tmpdir(), 'hms-bundle-')), 'index.mjs');
    writeFileSync(file, result.outputFiles[0]!.text);
    const { seen } = (await import(pathToFileURL(file).href)) as { seen: unknown[] };
    expect(seen).toEqual([true, 'a/b', '/', '\\', "'x'"]);
  });
});
