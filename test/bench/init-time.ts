import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Bundle } from './bundling.ts';
import type { Figure } from './report.ts';
import { median, round } from './stats.ts';

const run = promisify(execFile);

export const INIT_RATIO_LIMIT = 6;

/** What each fresh child does: time one import of the bundle and print the milliseconds. */
const CHILD_SOURCE = 'const t = performance.now(); await import(process.argv[1]); process.stdout.write(String(performance.now() - t));';

/**
 * The children's environment: this one without AWS_* (no credentials, no profile) or
 * NODE_OPTIONS (tsx's loader), plus the variables the stack gives every function.
 */
export function childEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('AWS_') && key !== 'NODE_OPTIONS') env[key] = value;
  }
  return {
    ...env,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    POWERTOOLS_METRICS_DISABLED: 'true',
    // What the stack sets, so each handler's init reads its config as it does in Lambda.
    AWS_REGION: 'us-gov-west-1',
    STATE_TABLE: 'hms-sys-state',
    AUDIT_TABLE: 'hms-sys-audit',
    HMS_CLUSTERS: 'agency-prod',
    HMS_ACTOR: 'role/hms-sys-bench',
    SCHEDULE_GROUP: 'hms-sys-bursts',
    BURST_RUNNER_ARN: 'arn:aws-us-gov:lambda:us-gov-west-1:111111111111:function:hms-sys-burst-runner',
    SCHEDULER_ROLE_ARN: 'arn:aws-us-gov:iam::111111111111:role/hms-sys-scheduler',
    SCHEDULER_DLQ_ARN: 'arn:aws-us-gov:sqs:us-gov-west-1:111111111111:hms-sys-dlq',
    EVENT_BUS_NAME: 'hms-sys',
    // The consumer restarter's limit; the database functions' NODE_EXTRA_CA_CERTS is left out, as the bundle is not on Lambda.
    HMS_MAX_CONCURRENT_RESTARTS: '3',
    ROTATION_FUNCTION_ARN: 'arn:aws-us-gov:lambda:us-gov-west-1:111111111111:function:hms-sys-rotation',
  };
}

async function importOnce(bundle: Bundle, env: NodeJS.ProcessEnv): Promise<number> {
  const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', CHILD_SOURCE, pathToFileURL(bundle.file).href], {
    cwd: dirname(bundle.file),
    env,
    timeout: 60_000,
  }).catch((err: { stderr?: string; message: string }) => {
    throw new Error(`importing the ${bundle.name} bundle failed: ${err.stderr?.trim() || err.message}`);
  });
  const ms = Number(stdout.trim());
  if (!Number.isFinite(ms)) throw new Error(`the ${bundle.name} import printed no time: ${stdout} ${stderr}`);
  return ms;
}

/**
 * Imports every bundle `runs` times in fresh node processes, one child at a time. Each round
 * starts with a different bundle, so a burst of load on the shared machine is spread over all.
 */
export async function measureInitTimes(bundles: Bundle[], runs: number): Promise<Map<string, number[]>> {
  const env = childEnvironment();
  const samples = new Map(bundles.map((b) => [b.name, [] as number[]]));
  for (let round = 0; round < runs; round += 1) {
    const order = bundles.map((_, i) => bundles[(i + round) % bundles.length]!);
    for (const bundle of order) samples.get(bundle.name)!.push(await importOnce(bundle, env));
  }
  return samples;
}

export function initTimeFigures(samples: Map<string, number[]>, baselineName: string, limitedHandlers: readonly string[]): Figure[] {
  const baseline = median(samples.get(baselineName) ?? []);
  const figures: Figure[] = [];
  for (const [name, ms] of samples) {
    figures.push({ name: `init: ${name} (median import)`, value: round(median(ms), 1), unit: 'ms', details: { samples: ms.map((v) => round(v, 1)) } });
  }
  for (const [name, ms] of samples) {
    if (name === baselineName) continue;
    figures.push({
      name: `init: ${name} / baseline`,
      value: round(median(ms) / baseline, 2),
      unit: '×',
      ...(limitedHandlers.includes(name) ? { target: { max: INIT_RATIO_LIMIT, unit: '×' } } : {}),
      details: { medianMs: round(median(ms), 1), baselineMedianMs: round(baseline, 1) },
    });
  }
  return figures;
}
