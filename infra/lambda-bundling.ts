import { fileURLToPath } from 'node:url';

/** The repository root: entries and aliases below are relative to it. */
export const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

/**
 * Node built-ins only the lazily loaded code uses (the AWS SDK, the Kubernetes client). An ES
 * module bundle hoists `import ... from 'node:https'` to its top, so every one of these loaded
 * at import, 10-20 ms of each cold start (tls alone is most of it). Aliased to a CommonJS shim
 * per module, each becomes a require inside the module that imports it. That is lazy only where
 * the importing module sits behind a dynamic import(): esbuild then wraps it in an init function
 * run on first use. A module in the eager import graph requires its shim at init, as before.
 * Built-ins the eager code needs (crypto, stream, console) stay as they are.
 */
export const LAZY_BUILTINS = [
  'buffer',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'os',
  'path',
  'path/posix',
  'path/win32',
  'process',
  'util',
  'util/types',
  'zlib',
] as const;

/**
 * The specifiers ES modules import them by: `node:` names, and bare `buffer` (util-buffer-from).
 * An esbuild alias also captures subpaths (`node:util` takes `node:util/types`, and the build then
 * fails on `util.cjs/types`). (An exact-match onResolve plugin would do too; aliases keep these
 * visible as plain options.) A longer alias wins over a shorter one, so every built-in subpath
 * of an aliased name has its own entry and shim above (the test checks against builtinModules).
 * Other bare names are left alone: CommonJS dependencies already require built-ins lazily.
 */
export const LAZY_BUILTIN_SPECIFIERS: readonly string[] = [...LAZY_BUILTINS.map((name) => `node:${name}`), 'buffer'];

function lazyBuiltinAliases(): Record<string, string> {
  return Object.fromEntries(
    LAZY_BUILTIN_SPECIFIERS.map((specifier) => [specifier, `infra/lazy-builtins/${specifier.replace(/^node:/, '').replace('/', '-')}.cjs`]),
  );
}

/**
 * AWS SDK clients the handlers use. Their adapters load behind a dynamic import(), and without
 * code splitting esbuild wraps such a module and all it imports in lazy init functions; a wrapped
 * package index then brings in every file it re-exports (evanw/esbuild#2477): all commands, the
 * aggregated client, paginators and waiters, 20-30 KB a client. Each is aliased to an entry in
 * infra/sdk-entries/ that exports only the client, the commands and the errors hms-sys uses, from
 * their own files: the same classes, so `instanceof` and error deserialization are unchanged.
 */
export const SDK_CLIENT_ENTRIES = [
  'client-cloudwatch',
  'client-dynamodb',
  'client-eks',
  'client-eventbridge',
  'client-kms',
  'client-s3',
  'client-scheduler',
  'client-secrets-manager',
] as const;

function sdkClientAliases(): Record<string, string> {
  return Object.fromEntries(SDK_CLIENT_ENTRIES.map((name) => [`@aws-sdk/${name}`, `infra/sdk-entries/${name}.js`]));
}

export const handlerEntry = (name: string) => `functions/${name}/handler.ts`;

/**
 * How every handler is bundled, as plain esbuild options; infra/bundle-handler.ts builds with
 * them (and the SDK schema plugin) for the stack and the benchmark alike. No aws-cdk-lib import.
 */
export const LAMBDA_BUNDLING = Object.freeze({
  target: 'node24',
  format: 'esm' as const,
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  // Bundle the AWS SDK too: the pinned version is what was tested, not the runtime's.
  external: [] as string[],
  // CommonJS dependencies that call require() need it defined inside an ES module.
  banner: "import { createRequire as hmsCreateRequire } from 'node:module'; const require = hmsCreateRequire(import.meta.url);",
  // Lambda hands a function its role's credentials in environment variables, so the SDK's
  // default chain (SSO, INI files, STS web identity, IMDS: ~75 KB) is replaced by the env provider.
  alias: {
    '@aws-sdk/credential-provider-node': 'shared/adapters/aws/lambda-credentials.ts',
    // The yaml package's ES module build (its `default` export condition; the `node` one is CommonJS,
    // which esbuild keeps whole): the same parser, of which esbuild drops what the mesh never runs
    // (about 17 KB). It differs only in reading !!binary (a manifest refuses that tag) and in ignoring
    // the LOG_TOKENS/LOG_STREAM debug variables; test/infra/bundle-size.test.ts checks the parse results.
    yaml: 'node_modules/yaml/browser/dist/index.js',
    ...lazyBuiltinAliases(),
    ...sdkClientAliases(),
  } as Record<string, string>,
});
