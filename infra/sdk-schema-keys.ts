import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';

/**
 * The AWS SDK's generated schema modules (`dist-es/schemas/schemas_0.js`, one per client) declare
 * every operation's shapes as top-level arrays, and the HTTP-binding ones carry traits as objects
 * with computed keys naming module constants: `{ [_ht]: ["GET", "/clusters/{name}", 200] }` where
 * `const _ht = "http"`. esbuild treats a computed key as a possible side effect, so it keeps every
 * shape of every operation (S3: 72 KB of a bundle that sends three; evanw/esbuild#4373,
 * aws/aws-sdk-js-v3#7607). Writing the constant's string in place of the reference is the same
 * object, and lets tree shaking drop the shapes no command in the bundle reaches.
 */
export const SDK_SCHEMA_FILE = /[\\/]node_modules[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/](?:submodules[\\/][^\\/]+[\\/])?schemas[\\/]schemas_\d+\.js$/;

const STRING_CONSTANT = /^const ([A-Za-z_$][\w$]*) = ("(?:[^"\\\n]|\\.)*");$/gm;
const COMPUTED_KEY = /\[([A-Za-z_$][\w$]*)\]:/g;
/** Anything that could bind a name in an inner scope; the generated modules have none (only `() =>`). */
const INNER_BINDING = /\bfunction\b|\bclass\b|\bcatch\b|[A-Za-z_$][\w$]*\s*=>|\([^()]*[A-Za-z_$][^()]*\)\s*=>/;

/**
 * The module with each computed key that names a top-level string constant written as that
 * string. A module that could shadow a name (a function, a parameter) or declares one twice is
 * returned unchanged for that name or whole: only a plain, single constant is replaced.
 */
export function literalSchemaKeys(source: string): string {
  const code = source.replace(/"(?:[^"\\\n]|\\.)*"/g, '""');
  if (INNER_BINDING.test(code)) return source;
  const constants = new Map<string, string>();
  for (const [, name = '', literal = ''] of source.matchAll(STRING_CONSTANT)) constants.set(name, constants.has(name) ? '' : literal);
  for (const [name] of constants) {
    const declarations = code.match(new RegExp(`\\b(?:const|let|var) ${name.replace(/\$/g, '\\$')}\\b`, 'g')) ?? [];
    if (declarations.length !== 1) constants.set(name, '');
  }
  return source.replace(COMPUTED_KEY, (key, name: string) => {
    const literal = constants.get(name);
    return literal ? `${literal}:` : key;
  });
}

/** The esbuild plugin applying literalSchemaKeys to the SDK's schema modules. */
export function sdkSchemaKeysPlugin(): Plugin {
  return {
    name: 'hms-sdk-schema-keys',
    setup(build) {
      build.onLoad({ filter: SDK_SCHEMA_FILE }, async (args) => ({ contents: literalSchemaKeys(await readFile(args.path, 'utf8')), loader: 'js' }));
    },
  };
}
