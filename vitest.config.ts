import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The default reporter for people; the JSON report is what `hms-sys compliance evidence` cites.
    reporters: ['default', 'json'],
    outputFile: { json: 'reports/vitest-results.json' },
    env: {
      POWERTOOLS_LOG_LEVEL: 'WARN',
      POWERTOOLS_METRICS_DISABLED: 'true',
      // Development runs on Node 20; the Lambda runtime is Node.js 24.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  },
});
