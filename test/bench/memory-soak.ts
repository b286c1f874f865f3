/**
 * The memory soak (issue 13): list traffic against a sandbox in its own process, started with
 * --expose-gc (soak-sandbox.ts), and its live heap after a forced collection before and after.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { sendWithRetries } from '../../bin/client.ts';
import type { Figure } from './report.ts';
import { round } from './stats.ts';

export const SOAK_GROWTH_LIMIT_MIB = 20;
/**
 * Concurrent clients per phase; the requests are split evenly between the phases. The api function
 * runs 5 copies at once, as the stack reserves, so most of these clients are throttled at times (a
 * 500 {"message":"Internal Server Error"}, as API Gateway answers): each retries as the CLI does.
 */
const CLIENTS = [10, 20, 30, 40, 50];
const LISTS = ['/services', '/autoscale-rules'];
const SERVICES = 20;

export interface SoakResult {
  requests: number;
  heapBefore: number;
  heapAfter: number;
  rssBefore: number;
  rssAfter: number;
  seconds: number;
  /** Requests answered neither 200 nor a throttle. */
  failures: number;
  /** Requests still throttled after the CLI's retries: it would have given up on them. */
  gaveUp: number;
  /** Throttled answers received along the way (each was retried, or counted a failure on the last attempt). */
  throttled: number;
}

export async function measureMemorySoak(requests: number): Promise<SoakResult> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(new URL('./soak-sandbox.ts', import.meta.url))], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'ERROR', POWERTOOLS_METRICS_DISABLED: 'true' },
  });
  // The sandbox's throttle log lines are counted here instead (SoakResult.throttled); anything else is passed on.
  createInterface({ input: child.stderr! }).on('line', (line) => {
    if (!line.startsWith('sandbox: Lambda throttled')) process.stderr.write(`${line}\n`);
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, any>> => {
    for (;;) {
      const { value, done } = await lines.next();
      if (done) throw new Error('the soak sandbox exited early');
      if (value.startsWith('SOAK ')) return JSON.parse(value.slice(5));
    }
  };
  try {
    const { url, token } = await next();
    let throttled = 0;
    const call = async (method: string, path: string, body?: unknown) => {
      const answer = await sendWithRetries(async () => {
        const res = await fetch(`${url}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        const text = await res.text();
        return { status: res.status, body: res.status === 500 ? parseOrText(text) : null };
      });
      throttled += answer.throttled;
      return answer.throttled === answer.attempts ? 'throttled' : answer.status;
    };
    for (let i = 0; i < SERVICES; i++) {
      const name = `soak-${i}`;
      // Registration checks the Deployment exists: every soak service targets a seeded one.
      await call('POST', '/services', {
        name,
        cluster: 'sandbox',
        namespace: 'benefits',
        deployment: 'receipt-svc',
        tags: { agency: 'GSA', program: 'Soak', fiscalYear: 'FY2027' },
      });
      await call('POST', '/autoscale-rules', { service: name, minReplicas: 2, maxReplicas: 20, trigger: { metric: 'http_rps', threshold: 100 } });
    }
    let failures = 0;
    let gaveUp = 0;
    const traffic = async (total: number) => {
      const perPhase = Math.ceil(total / CLIENTS.length);
      for (const clients of CLIENTS) {
        let sent = 0;
        await Promise.all(
          Array.from({ length: clients }, async () => {
            while (sent < perPhase) {
              const path = LISTS[sent++ % LISTS.length]!;
              const status = await call('GET', path);
              if (status === 'throttled') gaveUp += 1;
              else if (status !== 200) failures += 1;
            }
          }),
        );
      }
      return perPhase * CLIENTS.length;
    };
    await traffic(1_000); // warm-up: caches, JIT and connection pools settle before the first figure
    failures = 0;
    gaveUp = 0;
    throttled = 0;
    const measure = async () => {
      child.stdin!.write('measure\n');
      return next();
    };
    const before = await measure();
    const started = performance.now();
    const sent = await traffic(requests);
    const seconds = (performance.now() - started) / 1000;
    const after = await measure();
    return {
      requests: sent,
      heapBefore: before.heapUsed,
      heapAfter: after.heapUsed,
      rssBefore: before.rss,
      rssAfter: after.rss,
      seconds,
      failures,
      gaveUp,
      throttled,
    };
  } finally {
    child.stdin!.write('close\n');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const mib = (bytes: number) => round(bytes / 2 ** 20, 1);

export function memorySoakFigures(soak: SoakResult): Figure[] {
  const growth = soak.heapAfter - soak.heapBefore;
  return [
    {
      name: `memory soak: live heap growth over ${soak.requests.toLocaleString('en-US')} list requests (${CLIENTS[0]}–${CLIENTS.at(-1)} clients)`,
      value: mib(growth),
      unit: 'MiB',
      target: { max: SOAK_GROWTH_LIMIT_MIB, unit: 'MiB' },
      details: {
        heapBeforeMiB: mib(soak.heapBefore),
        heapAfterMiB: mib(soak.heapAfter),
        perRequestKB: round(growth / soak.requests / 1024, 2),
        lists: LISTS,
        services: SERVICES,
      },
    },
    { name: '  live heap after a forced collection, before the soak', value: mib(soak.heapBefore), unit: 'MiB' },
    { name: '  live heap after a forced collection, after the soak', value: mib(soak.heapAfter), unit: 'MiB' },
    { name: '  RSS after the soak', value: mib(soak.rssAfter), unit: 'MiB', details: { before: mib(soak.rssBefore) } },
    { name: '  list requests per second', value: round(soak.requests / soak.seconds), unit: '/s' },
    { name: '  list requests answered neither 200 nor a throttle', value: soak.failures, unit: 'requests', target: { max: 0, unit: 'requests' } },
    { name: "  list requests still throttled after the CLI's 5 attempts (AWS would refuse this load too)", value: soak.gaveUp, unit: 'requests' },
    {
      name: "  throttled answers, retried or not (the api function's 5 reserved copies busy)",
      value: soak.throttled,
      unit: 'answers',
      details: { perRequest: round(soak.throttled / soak.requests, 2) },
    },
  ];
}
