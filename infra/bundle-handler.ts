import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { handlerEntry, LAMBDA_BUNDLING, REPO_ROOT } from './lambda-bundling.ts';
import { sdkSchemaKeysPlugin } from './sdk-schema-keys.ts';

/** A handler entry: a path under the repository, or inline source resolved from its root. */
export type BundleInput = { path: string } | { name: string; contents: string };

/**
 * Bundles one handler with the project's options (infra/lambda-bundling.ts) and the SDK schema
 * plugin. The stack (through `hms-function.ts`) and the benchmarks both call this, so what is
 * measured is what is deployed. Plugins need esbuild's JavaScript API, which NodejsFunction's
 * command line bundling cannot take; hence a build of our own.
 */
export function bundleHandler(input: BundleInput, outfile: string, options: { metafile?: boolean; write?: boolean } = {}) {
  return esbuild.build({
    ...('path' in input
      ? { entryPoints: [input.path] }
      : { stdin: { contents: input.contents, resolveDir: REPO_ROOT, sourcefile: `${input.name}.ts`, loader: 'ts' as const } }),
    absWorkingDir: REPO_ROOT,
    outfile,
    bundle: true,
    platform: 'node',
    format: LAMBDA_BUNDLING.format,
    target: LAMBDA_BUNDLING.target,
    mainFields: LAMBDA_BUNDLING.mainFields,
    minify: LAMBDA_BUNDLING.minify,
    sourcemap: LAMBDA_BUNDLING.sourcemap,
    sourcesContent: LAMBDA_BUNDLING.sourcesContent,
    external: LAMBDA_BUNDLING.external,
    banner: { js: LAMBDA_BUNDLING.banner },
    alias: Object.fromEntries(Object.entries(LAMBDA_BUNDLING.alias).map(([from, to]) => [from, join(REPO_ROOT, to)])),
    plugins: [sdkSchemaKeysPlugin()],
    metafile: options.metafile ?? false,
    write: options.write ?? true,
    logLevel: 'warning',
  });
}

/** `node --import tsx infra/bundle-handler.ts <function> <outDir>`: writes `<outDir>/index.mjs` (and its map). */
async function main(args: string[]): Promise<void> {
  const [name, outDir] = args;
  if (!name || !outDir) throw new Error('usage: bundle-handler.ts <function name> <output directory>');
  await bundleHandler({ path: handlerEntry(name) }, join(outDir, 'index.mjs'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
