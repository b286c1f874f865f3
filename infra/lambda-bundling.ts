import { fileURLToPath } from 'node:url';

/** The repository root: entries and aliases below are relative to it. */
export const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

/**
 * How every handler is bundled, as plain esbuild options, so the stack and the benchmark
 * build exactly the same thing. No aws-cdk-lib import: the benchmark loads this in a blink.
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
  alias: { '@aws-sdk/credential-provider-node': 'shared/adapters/aws/lambda-credentials.ts' } as Record<string, string>,
});

export const handlerEntry = (name: string) => `functions/${name}/handler.ts`;
