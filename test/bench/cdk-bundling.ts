import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The construct whose NodejsFunction bundling the benchmark reproduces. */
export const CONSTRUCT_FILE = 'infra/constructs/hms-function.ts';

/** The NodejsFunction bundling props that change what esbuild emits, in esbuild's terms. */
export interface CdkBundling {
  target: string;
  format: 'esm' | 'cjs';
  mainFields: string[];
  minify: boolean;
  sourcemap: boolean;
  sourcesContent: boolean;
  external: string[];
  banner: string;
}

/** What the construct sets today; used for any prop its source no longer spells out literally. */
const MIRROR: CdkBundling = {
  target: 'node24',
  format: 'esm',
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  external: [],
  banner: "import { createRequire as hmsCreateRequire } from 'node:module'; const require = hmsCreateRequire(import.meta.url);",
};

export interface BundlingSource {
  options: CdkBundling;
  /** Props read from the construct's source, so the stack stays the one place they are set. */
  readFromConstruct: string[];
  /** Props taken from MIRROR because the construct is missing or spells them differently. */
  mirrored: string[];
}

const unquote = (literal: string): string =>
  literal.startsWith('"') ? (JSON.parse(literal) as string) : literal.slice(1, -1).replace(/\\'/g, "'");
const stringList = (inner: string): string[] => [...inner.matchAll(/'([^']*)'|"([^"]*)"/g)].map((m) => m[1] ?? m[2] ?? '');

const readers: { [K in keyof CdkBundling]: (block: string) => CdkBundling[K] | undefined } = {
  target: (b) => /\btarget:\s*'([^']+)'/.exec(b)?.[1],
  format: (b) => {
    const format = /\bformat:\s*nodejs\.OutputFormat\.(ESM|CJS)\b/.exec(b)?.[1];
    return format === undefined ? undefined : format === 'ESM' ? 'esm' : 'cjs';
  },
  mainFields: (b) => {
    const inner = /\bmainFields:\s*\[([^\]]*)\]/.exec(b)?.[1];
    return inner === undefined ? undefined : stringList(inner);
  },
  minify: (b) => flag(/\bminify:\s*(true|false)\b/, b),
  sourcemap: (b) => flag(/\bsourceMap:\s*(true|false)\b/, b),
  sourcesContent: (b) => flag(/\bsourcesContent:\s*(true|false)\b/, b),
  external: (b) => {
    const inner = /\bexternalModules:\s*\[([^\]]*)\]/.exec(b)?.[1];
    return inner === undefined ? undefined : stringList(inner);
  },
  banner: (b) => {
    const literal = /\bbanner:\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')/.exec(b)?.[1];
    return literal === undefined ? undefined : unquote(literal);
  },
};

function flag(pattern: RegExp, block: string): boolean | undefined {
  const value = pattern.exec(block)?.[1];
  return value === undefined ? undefined : value === 'true';
}

/**
 * Reads the bundling props from the construct's `bundling: { ... }` literal; the benchmark then
 * bundles exactly as `cdk synth` would without importing aws-cdk-lib (seconds of start-up).
 */
export function readCdkBundling(): BundlingSource {
  const path = `${REPO_ROOT}${CONSTRUCT_FILE}`;
  const source = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const block = source.slice(Math.max(0, source.indexOf('bundling:')));
  const options = { ...MIRROR } as Record<keyof CdkBundling, unknown>;
  const readFromConstruct: string[] = [];
  const mirrored: string[] = [];
  for (const key of Object.keys(readers) as (keyof CdkBundling)[]) {
    const value = source.includes('bundling:') ? readers[key](block) : undefined;
    if (value === undefined) mirrored.push(key);
    else {
      options[key] = value;
      readFromConstruct.push(key);
    }
  }
  return { options: options as unknown as CdkBundling, readFromConstruct, mirrored };
}
