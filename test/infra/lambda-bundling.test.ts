import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';
import { LAMBDA_BUNDLING, LAZY_BUILTINS, LAZY_BUILTIN_SPECIFIERS, REPO_ROOT, handlerEntry } from '#infra/lambda-bundling.ts';

const require = createRequire(import.meta.url);
const shims = Object.entries(LAMBDA_BUNDLING.alias).filter(([, to]) => to.startsWith('infra/lazy-builtins/'));

describe('built-ins loaded by the code that needs them, not at import', () => {
  it('aliases each lazy built-in to a shim that is that very module', () => {
    expect(shims.map(([from]) => from).sort()).toEqual([...LAZY_BUILTIN_SPECIFIERS].sort());
    expect(LAZY_BUILTIN_SPECIFIERS).toEqual(expect.arrayContaining(LAZY_BUILTINS.map((m) => `node:${m}`)));
    for (const [from, to] of shims) {
      expect(existsSync(join(REPO_ROOT, to)), to).toBe(true);
      expect(require(join(REPO_ROOT, to)), from).toBe(process.getBuiltinModule(from.startsWith('node:') ? from : `node:${from}`));
    }
  });

  it('leaves none of them among the scaler bundle\'s top-level imports', async () => {
    const result = await esbuild.build({
      entryPoints: [handlerEntry('scaler')], absWorkingDir: REPO_ROOT, bundle: true, write: false, outfile: 'index.mjs',
      platform: 'node', format: LAMBDA_BUNDLING.format, target: LAMBDA_BUNDLING.target, mainFields: LAMBDA_BUNDLING.mainFields,
      alias: Object.fromEntries(Object.entries(LAMBDA_BUNDLING.alias).map(([from, to]) => [from, join(REPO_ROOT, to)])),
      banner: { js: LAMBDA_BUNDLING.banner }, logLevel: 'silent',
    });
    const code = result.outputFiles[0]!.text;
    const staticImports = [...code.matchAll(/^import .* from ["']([^"']+)["'];?$/gm)].map(([, from]) => from!.replace(/^node:/, ''));
    expect(staticImports.length).toBeGreaterThan(0);
    expect(staticImports.filter((m) => (LAZY_BUILTINS as readonly string[]).includes(m))).toEqual([]);
    // The SDK's HTTP handler still gets https, through its shim, when its module is first evaluated.
    expect(code).toContain('process.getBuiltinModule("node:https")');
  });
});
