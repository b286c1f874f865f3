import { statSync } from 'node:fs';
import { join } from 'node:path';
import * as declared from '#functions/index.ts';
import { bundleHandler } from '#infra/bundle-handler.ts';
import { handlerEntry, type LAMBDA_BUNDLING } from '#infra/lambda-bundling.ts';

type BundlingOptions = typeof LAMBDA_BUNDLING;

export interface Bundle {
  name: string;
  /** The deployable module, index.mjs, as NodejsFunction names an ESM bundle. */
  file: string;
  bytes: number;
  sourceMapBytes: number | null;
  /** What each input contributed to the output, from esbuild's metafile. */
  inputs: Record<string, { bytesInOutput: number }>;
}

/** A handler entry: a path under the repository, or inline source resolved from its root. */
export type Entry = { name: string; path: string } | { name: string; contents: string };

/** Every declared function, as the stack deploys them. */
export const HANDLER_ENTRIES: Entry[] = Object.values(declared).map((d) => ({ name: d.name, path: handlerEntry(d.name) }));

/** The least a middy handler costs to load: the yardstick init times are divided by. */
export const BASELINE_ENTRY: Entry = {
  name: 'baseline',
  contents: "import middy from '@middy/core';\nexport const handler = middy(async () => ({}));\n",
};

/** Bundles one entry into `<outDir>/<name>/index.mjs`, as NodejsFunction names an ESM bundle. */
export async function bundleEntry(entry: Entry, outDir: string, options: BundlingOptions): Promise<Bundle & { target: string }> {
  const outfile = join(outDir, entry.name, options.format === 'esm' ? 'index.mjs' : 'index.js');
  const target = options.target;
  const result = await bundleHandler('path' in entry ? { path: entry.path } : entry, outfile, { metafile: true });
  const output = Object.entries(result.metafile?.outputs ?? {}).find(([path]) => !path.endsWith('.map'));
  if (!output) throw new Error(`esbuild wrote no bundle for ${entry.name}`);
  return {
    name: entry.name,
    file: outfile,
    bytes: statSync(outfile).size,
    sourceMapBytes: options.sourcemap ? statSync(`${outfile}.map`).size : null,
    inputs: output[1].inputs,
    target,
  };
}
