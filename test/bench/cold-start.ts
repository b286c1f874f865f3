import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { decodeJwt } from 'jose';
import { sendKubeRequest } from '#adapters/aws/kubernetes-request.ts';
import { httpRoutes } from '#functions/http-routes.ts';
import { apiGatewayEvent } from '#sandbox/api-server.ts';
import type { Sandbox } from '#sandbox/sandbox.ts';
import { alarmEvent } from '../integration/alarm-events.ts';
import type { Bundle } from './bundling.ts';
import { arrange, DECISION_TARGET } from './decision-latency.ts';
import { type EksFront, startEksFront } from './eks-front.ts';
import { childEnvironment } from './init-time.ts';
import type { Figure } from './report.ts';
import { median, round } from './stats.ts';

const run = promisify(execFile);
const CLUSTER = 'sandbox';
const REGION = 'us-gov-west-1';
const MARKER = 'HMS_BENCH ';

/**
 * A fresh process that imports a bundled handler and handles one event. Times are epoch
 * milliseconds (timeOrigin + now), so the parent can compare them with when the simulator
 * answered the scale PATCH. It exits itself: the SDK's keep-alive sockets would hold it open.
 */
const HANDLER_CHILD = `
const now = () => performance.timeOrigin + performance.now();
const start = now();
const { handler } = await import(process.argv[1]);
const imported = now();
const name = process.env.AWS_LAMBDA_FUNCTION_NAME;
const context = { awsRequestId: crypto.randomUUID(), functionName: name, functionVersion: '$LATEST', memoryLimitInMB: '512',
  invokedFunctionArn: 'arn:aws-us-gov:lambda:${REGION}:111111111111:function:' + name, logGroupName: '/aws/lambda/' + name,
  logStreamName: 'bench', callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => 30000 };
const result = await handler(JSON.parse(process.env.HMS_BENCH_EVENT), context);
const handled = now();
process.stdout.write('\\n${MARKER}' + JSON.stringify({ start, imported, handled, result }) + '\\n', () => process.exit(0));
`;

/** The baseline: a fresh process that loads node:http and does the bare GET and PATCH of the scale subresource. */
const BASELINE_CHILD = `
const now = () => performance.timeOrigin + performance.now();
const start = now();
const http = await import('node:http');
const [url, token, replicas] = process.argv.slice(1);
const call = (method, body) => new Promise((resolve, reject) => {
  const req = http.request(url, { method, headers: { authorization: 'Bearer ' + token, accept: 'application/json',
    ...(body ? { 'content-type': 'application/merge-patch+json' } : {}) } }, (res) => {
    let text = ''; res.setEncoding('utf8'); res.on('data', (c) => { text += c; });
    res.on('end', () => (res.statusCode < 300 ? resolve(JSON.parse(text)) : reject(new Error(method + ' ' + res.statusCode + ' ' + text))));
  });
  req.on('error', reject); req.end(body ? JSON.stringify(body) : undefined);
});
await call('GET');
// As the scaler sends it: an absolute count, no resourceVersion precondition.
await call('PATCH', { spec: { replicas: Number(replicas) } });
const handled = now();
process.stdout.write('\\n${MARKER}' + JSON.stringify({ start, imported: start, handled }) + '\\n', () => process.exit(0));
`;

interface ChildTimes {
  start: number;
  imported: number;
  handled: number;
  result?: unknown;
}

async function child(source: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<ChildTimes> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', source, ...args], {
    cwd,
    env,
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
  }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(`a cold-start child failed: ${err.stderr?.trim() || err.stdout?.trim() || err.message}`);
  });
  const line = stdout.split('\n').find((l) => l.startsWith(MARKER));
  if (!line) throw new Error(`a cold-start child printed no times: ${stdout.slice(-2_000)}`);
  return JSON.parse(line.slice(MARKER.length)) as ChildTimes;
}

export interface ColdStartSamples {
  /** Child start → the simulator answered the scaler's scale PATCH. */
  scaler: number[];
  /** Child start → the API handler returned its answer. */
  api: number[];
  /** Child start → the simulator answered the bare PATCH. */
  baseline: number[];
  scalerImport: number[];
  apiImport: number[];
}

/** The environment the stack gives each function, pointed at the sandbox's dynalite and the EKS front. */
function functionEnvironment(sandbox: Sandbox, front: EksFront, name: string): NodeJS.ProcessEnv {
  return {
    ...childEnvironment(),
    // The stack sets this on every function, and Lambda honours it during init.
    NODE_OPTIONS: '--enable-source-maps',
    AWS_REGION: REGION,
    AWS_LAMBDA_FUNCTION_NAME: `hms-sys-${name}`,
    HMS_ACTOR: `role/hms-sys-${name}`,
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_ENDPOINT_URL_DYNAMODB: sandbox.dynamoEndpoint,
    AWS_ENDPOINT_URL_EKS: front.url,
    STATE_TABLE: 'hms-sys-state',
    AUDIT_TABLE: 'hms-sys-audit',
    HMS_CLUSTERS: CLUSTER,
  };
}

/** One GET /services/{name} event, as the HTTP API would hand it over for a reader's token. */
function apiEvent(sandbox: Sandbox) {
  const route = httpRoutes.find((r) => r.method === 'GET' && r.path === '/services/{name}');
  if (!route) throw new Error('no GET /services/{name} route is declared');
  const path = `/services/${DECISION_TARGET.deployment}`;
  return apiGatewayEvent({
    method: 'GET',
    url: new URL(path, 'https://api.example.test'),
    headers: { accept: 'application/json' },
    body: '',
    route,
    pathParameters: { name: DECISION_TARGET.deployment },
    claims: decodeJwt(sandbox.tokens.reader!),
    sourceIp: '192.0.2.10',
  });
}

async function measure(sandbox: Sandbox, front: EksFront, bundles: Map<string, Bundle>, alarmName: string, runs: number): Promise<ColdStartSamples> {
  const { namespace, deployment, from, to, alarmValue } = DECISION_TARGET;
  const scalePath = `/apis/apps/v1/namespaces/${namespace}/deployments/${deployment}/scale`;
  const reset = async () => {
    const res = await sendKubeRequest(
      { url: sandbox.k8s.url, caData: sandbox.k8s.caData },
      sandbox.k8s.token,
      {
        method: 'PATCH',
        path: scalePath,
        body: { spec: { replicas: from } },
        contentType: 'application/merge-patch+json',
      },
      10_000,
    );
    if (res.status >= 300) throw new Error(`resetting the Deployment answered ${res.status}`);
  };
  let patchedAt: number | undefined;
  const stop = sandbox.k8s.onRequest((e) => {
    if (e.method === 'PATCH' && e.path.startsWith(scalePath) && e.status < 300) patchedAt = performance.timeOrigin + e.at;
  });
  const untilPatch = async (work: () => Promise<ChildTimes>) => {
    await reset();
    patchedAt = undefined;
    const times = await work();
    if (patchedAt === undefined) throw new Error('no scale PATCH reached the simulator');
    if (sandbox.k8s.state.deployment(namespace, deployment)?.replicas !== to) throw new Error(`the Deployment did not reach ${to} replicas`);
    return { ...times, end: patchedAt };
  };
  const bundle = (name: string) =>
    bundles.get(name) ??
    (() => {
      throw new Error(`the ${name} bundle was not built`);
    })();
  const [scaler, api] = [bundle('scaler'), bundle('api')];
  const samples: ColdStartSamples = { scaler: [], api: [], baseline: [], scalerImport: [], apiImport: [] };
  const kinds = {
    scaler: async () => {
      const env = { ...functionEnvironment(sandbox, front, 'scaler'), HMS_BENCH_EVENT: JSON.stringify(alarmEvent(alarmName, alarmValue)) };
      const t = await untilPatch(() => child(HANDLER_CHILD, [pathToFileURL(scaler.file).href], env, dirname(scaler.file)));
      if ((t.result as { outcome?: string }).outcome !== 'scaled') throw new Error(`the scaler did not scale: ${JSON.stringify(t.result)}`);
      samples.scaler.push(t.end - t.start);
      samples.scalerImport.push(t.imported - t.start);
    },
    api: async () => {
      const env = { ...functionEnvironment(sandbox, front, 'api'), HMS_BENCH_EVENT: JSON.stringify(apiEvent(sandbox)) };
      const t = await child(HANDLER_CHILD, [pathToFileURL(api.file).href], env, dirname(api.file));
      if ((t.result as { statusCode?: number }).statusCode !== 200) throw new Error(`the API answered ${JSON.stringify(t.result)}`);
      samples.api.push(t.handled - t.start);
      samples.apiImport.push(t.imported - t.start);
    },
    baseline: async () => {
      const t = await untilPatch(() => child(BASELINE_CHILD, [`${front.url}${scalePath}`, sandbox.k8s.token, String(to)], childEnvironment(), tmpdir()));
      samples.baseline.push(t.end - t.start);
    },
  };
  try {
    const order = Object.values(kinds);
    // A first round warms the OS file cache and dynalite; it is not counted.
    for (const once of order) await once();
    for (const list of Object.values(samples)) list.length = 0;
    for (let round = 0; round < runs; round += 1) {
      for (let i = 0; i < order.length; i += 1) await order[(i + round) % order.length]!();
    }
  } finally {
    stop();
  }
  return samples;
}

/**
 * Starts the sandbox (dynalite and the Kubernetes simulator) and an EKS front for it, then runs
 * each fresh-process kind `runs` times, interleaved, so a burst of load on the machine hits all.
 */
export async function measureColdStarts(bundles: Bundle[], runs: number): Promise<ColdStartSamples> {
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const { startSandbox } = await import('#sandbox/sandbox.ts');
  const dataDir = mkdtempSync(join(tmpdir(), 'hms-sys-cold-'));
  const sandbox = await startSandbox({ dataDir, persistState: false, podReadyDelayMs: 20, reconcileSeconds: 3_600, alarmEvaluationSeconds: 3_600 });
  const front = await startEksFront({
    simulatorUrl: sandbox.k8s.url,
    simulatorToken: sandbox.k8s.token,
    simulatorCaData: sandbox.k8s.caData,
    clusterName: CLUSTER,
    region: REGION,
  });
  try {
    const alarmName = await arrange(sandbox);
    return await measure(sandbox, front, new Map(bundles.map((b) => [b.name, b])), alarmName, runs);
  } finally {
    await front.close();
    await sandbox.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function coldStartFigures(samples: ColdStartSamples): Figure[] {
  const baseline = median(samples.baseline);
  const ms = (values: number[]) => ({ samples: values.map((v) => round(v, 1)) });
  const pair = (name: string, what: string, values: number[], imports: number[]): Figure[] => [
    {
      name: `cold: ${name} ${what} (median)`,
      value: round(median(values), 1),
      unit: 'ms',
      details: { ...ms(values), importMedianMs: round(median(imports), 1) },
    },
    {
      name: `cold: ${name} / baseline`,
      value: round(median(values) / baseline, 2),
      unit: '×',
      details: { medianMs: round(median(values), 1), baselineMedianMs: round(baseline, 1) },
    },
  ];
  return [
    { name: 'cold: baseline, fresh process, bare GET + PATCH (median)', value: round(baseline, 1), unit: 'ms', details: ms(samples.baseline) },
    ...pair('scaler', 'import + alarm → scale PATCH', samples.scaler, samples.scalerImport),
    ...pair('api', 'import + GET /services/{name}', samples.api, samples.apiImport),
  ];
}
