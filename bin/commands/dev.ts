import { resolve } from 'node:path';
import { type Command, number } from '../command.ts';
import { claimDataDir, stopOnSignals } from '../sandbox-lifecycle.ts';
import { writeSession } from '../session.ts';

export const devCommands: Command[] = [
  {
    name: 'dev',
    summary: 'start the local sandbox: the same handlers on dynalite, a Kubernetes simulator and a local alarm evaluator',
    usage: 'dev [--port 8787] [--pod-ready-ms 2000] [--reconcile-seconds 60] [--postgres]',
    options: { port: { type: 'string' }, 'pod-ready-ms': { type: 'string' }, 'reconcile-seconds': { type: 'string' }, postgres: { type: 'boolean' } },
    describe: {
      port: 'API port on 127.0.0.1 (default HMS_PORT or 8787)',
      'pod-ready-ms': 'how long a new pod takes to become Ready (default 2000)',
      'reconcile-seconds': 'how often the reconciler runs (default 60)',
      postgres: 'also start an embedded PostgreSQL (or set HMS_POSTGRES=1), for database rotation and short-lived credentials',
    },
    // It serves the API rather than calling it: no --url, --token or --output.
    globals: ['data-dir'],
    run: async (ctx) => {
      process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
      process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
      const { startSandbox } = await import('#sandbox/sandbox.ts');
      claimDataDir(ctx.dataDir);
      const started = Date.now();
      const port = number(ctx, 'port') ?? Number(process.env.HMS_PORT ?? 8787);
      const starting = startSandbox({
        port,
        dataDir: ctx.dataDir,
        podReadyDelayMs: number(ctx, 'pod-ready-ms') ?? 2_000,
        reconcileSeconds: number(ctx, 'reconcile-seconds') ?? 60,
        ...(process.env.HMS_PRICING_REGION ? { pricingRegion: process.env.HMS_PRICING_REGION } : {}),
        postgres: ctx.values.postgres === true || process.env.HMS_POSTGRES === '1',
      });
      // Stoppable before it says it is ready: a signal during the start closes it once started.
      stopOnSignals(ctx.dataDir, async () => (await starting).close());
      const sandbox = await starting.catch((err: Error) => {
        throw portHint(err, port);
      });
      writeSession(ctx.dataDir, {
        url: sandbox.url,
        k8sUrl: sandbox.k8s.url,
        k8sToken: sandbox.k8s.token,
        k8sCaData: sandbox.k8s.caData,
        kubeconfig: sandbox.k8s.kubeconfigPath,
        tokens: sandbox.tokens,
        s3Endpoint: sandbox.auditArchive.s3Endpoint,
        auditBucket: sandbox.auditArchive.bucket,
        meshProxy: sandbox.meshDataPlane.dataPlane.proxyUrl,
        meshMetrics: sandbox.meshDataPlane.dataPlane.statsUrl,
        pid: process.pid,
      });
      console.log(`hms-sys sandbox ready in ${Date.now() - started} ms`);
      console.log(`  API:         ${sandbox.url}`);
      console.log(`  Kubernetes:  ${sandbox.k8s.url}  (bearer ${sandbox.k8s.token}; CA in ${ctx.dataDir}/k8s-ca/ca.crt)`);
      if (sandbox.k8s.portChanged) console.log('  The Kubernetes port of the last start was taken: the kubeconfig now names a new one.');
      console.log(`  kubectl:     export KUBECONFIG=${resolve(sandbox.k8s.kubeconfigPath)}`);
      console.log(`  Audit S3:    ${sandbox.auditArchive.s3Endpoint}/${sandbox.auditArchive.bucket}  (path-style; Object Lock, compliance)`);
      if (sandbox.auditArchive.portChanged) console.log('  The audit S3 port of the last start was taken: it has a new one (hms-sys audit export follows it).');
      const { DEFAULT_PROXY_PORT, DEFAULT_STATS_PORT } = await import('#adapters/local/mesh-data-plane/data-plane.ts');
      const usual = { proxyPort: DEFAULT_PROXY_PORT, statsPort: DEFAULT_STATS_PORT };
      for (const line of meshDataPlaneLines(sandbox.meshDataPlane.dataPlane, usual)) console.log(line);
      console.log(`  Data:        ${ctx.dataDir}`);
      const pg = sandbox.secrets.postgres;
      if (pg) console.log(`  PostgreSQL:  ${pg.host}:${pg.port}  (superuser ${pg.admin.username}, password ${pg.admin.password})`);
      console.log('  Tokens (also in .hms-sys/sandbox.json; `npx hms-sys token --profile NAME` prints one):');
      for (const [profile, token] of Object.entries(sandbox.tokens)) console.log(`    ${profile.padEnd(9)} ${token}`);
      await new Promise(() => undefined);
    },
  },
];

/**
 * Where the local mesh data plane listens. Like the Kubernetes and S3 ports, a taken port (another
 * sandbox's, say) moves it to a free one, and the banner says so: a curl to 15001 would reach the other.
 */
export function meshDataPlaneLines(dataPlane: { proxyUrl: string; statsUrl: string }, usual: { proxyPort: number; statsPort: number }): string[] {
  const lines = [`  Mesh proxy:  ${dataPlane.proxyUrl}  (curl --proxy; metrics at ${dataPlane.statsUrl})`];
  const moved = [
    new URL(dataPlane.proxyUrl).port === String(usual.proxyPort) ? '' : `proxy ${usual.proxyPort}`,
    new URL(dataPlane.statsUrl).port === String(usual.statsPort) ? '' : `metrics ${usual.statsPort}`,
  ].filter(Boolean);
  if (moved.length > 0) lines.push(`  The mesh data plane's usual port (${moved.join(', ')}) was taken: it listens on the ports above (also in sandbox.json).`);
  return lines;
}

/** A port in use says how to pick another the way this CLI is run: with npm, options go after `--`. */
export function portHint(err: Error, port: number): Error {
  if ((err.cause as NodeJS.ErrnoException | undefined)?.code !== 'EADDRINUSE') return err;
  const other = port === 65_535 ? port - 1 : port + 1;
  return new Error(
    `port ${port} on 127.0.0.1 is in use: stop the other sandbox, or start this one on another port: \`npm start -- --port ${other}\` or \`HMS_PORT=${other} npm start\``,
    { cause: err.cause },
  );
}

devCommands.push({
  name: 'token',
  summary: 'print a sandbox bearer token for a profile or an explicit scope list',
  usage: 'token [--profile admin|reader|operator|auditor] [--scopes hms/rules.read,hms/audit.read] [--subject NAME]',
  options: { profile: { type: 'string' }, scopes: { type: 'string' }, subject: { type: 'string' } },
  describe: {
    profile: 'a scope set: admin, reader, operator or auditor (default admin)',
    scopes: 'comma-separated scopes instead of a profile',
    subject: "the token's sub claim, recorded as the actor",
  },
  globals: ['data-dir'],
  run: async (ctx) => {
    const { existsSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { TOKEN_PROFILES, issueDevToken, loadOrCreateDevKey } = await import('#sandbox/dev-auth.ts');
    const keyFile = join(ctx.dataDir, 'dev-signing-key.json');
    if (!existsSync(keyFile)) throw new Error(`no sandbox key in ${ctx.dataDir}: run npm start first`);
    const profile = String(ctx.values.profile ?? 'admin');
    const scopes = typeof ctx.values.scopes === 'string' ? ctx.values.scopes.split(',').filter(Boolean) : TOKEN_PROFILES[profile];
    if (!scopes) throw new Error(`unknown profile ${profile}; choose one of ${Object.keys(TOKEN_PROFILES).join(', ')}`);
    console.log(await issueDevToken(await loadOrCreateDevKey(keyFile), { subject: String(ctx.values.subject ?? `dev-${profile}`), scopes }));
  },
});
