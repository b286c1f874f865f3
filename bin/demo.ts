// Plays chapter 5's GPO story against the sandbox: eligibility-api surges from 4 towards 20
// replicas, then scales back. Exits 0 only if the replicas really moved and came back.
import { quietSdkNodeVersionWarning } from './sdk-node-warning.ts';

process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
quietSdkNodeVersionWarning();

const { OffsetClock } = await import('#adapters/local/offset-clock.ts');
const { startSandbox } = await import('#sandbox/sandbox.ts');
const { apiClient } = await import('./client.ts');

const clock = new OffsetClock();
const sandbox = await startSandbox({ clock, podReadyDelayMs: 300, reconcileSeconds: 3_600, alarmEvaluationSeconds: 3_600 });
const api = apiClient(sandbox.url, sandbox.tokens.admin!);
const say = (text: string) => console.log(`\n${text}`);

async function replicas(): Promise<{ replicas: number; ready: number }> {
  const { sendKubeRequest } = await import('#adapters/aws/kubernetes-request.ts');
  const endpoint = { url: sandbox.k8s.url, caData: sandbox.k8s.caData };
  const res = await sendKubeRequest(
    endpoint,
    sandbox.k8s.token,
    { method: 'GET', path: '/apis/apps/v1/namespaces/benefits/deployments/eligibility-api' },
    10_000,
  );
  const deployment = res.body as { spec: { replicas: number }; status: { readyReplicas?: number } };
  return { replicas: deployment.spec.replicas, ready: deployment.status.readyReplicas ?? 0 };
}

async function traffic(rps: number, at: Date) {
  await api.call('POST', '/sandbox/metrics', { service: 'eligibility-api', metric: 'http_rps', value: rps, timestamp: at.toISOString() });
  await sandbox.alarms.settled();
  await sandbox.bus.drain();
}

const startedAt = clock.now().getTime();
const wallClock = (minute: number) => `9:${String(minute).padStart(2, '0')}`;

/** Moves the story to 9:MM, reports that minute's traffic, and lets the every-minute reconcile pass run. */
async function minute(at: number, rps: number) {
  // Each minute's datapoint is stamped at the top of the minute and read 30 s later, so the
  // 60 s alarm period holds exactly one datapoint.
  const top = startedAt + at * 60_000;
  clock.advance(top + 30_000 - clock.now().getTime());
  await traffic(rps, new Date(top));
  await sandbox.reconcileNow();
  const status = (await api.call('GET', `/rules/${ruleId}/status`)) as {
    replicas: number;
    state: string;
    alarms: Array<{ name: string; state: string }>;
    lastDecision: { reasons: string[] } | null;
  };
  const pods = await replicas();
  const firing =
    status.alarms
      .filter((a) => a.state === 'ALARM')
      .map((a) => a.name.replace(`hms-sys-${ruleId}-`, ''))
      .join(', ') || 'none';
  console.log(
    `   ${wallClock(at)}  http_rps ${String(rps).padStart(5)}  replicas ${String(status.replicas).padStart(2)} (ready ${String(pods.ready).padStart(2)})  alarm: ${firing}`,
  );
  const reasons = status.lastDecision?.reasons ?? [];
  console.log(`         ${[...new Set([reasons[0], reasons.at(-1)])].filter(Boolean).join('; ')}`.trimEnd());
  return status.replicas;
}

const brief = (v: unknown) => (v && typeof v === 'object' && 'replicas' in v ? String((v as { replicas: number }).replicas) : '-');
let ruleId = '';
let ok = false;
try {
  say("1. Register the Student Aid Portal's eligibility-api (benefits/eligibility-api, 4 replicas)");
  await api.call('POST', '/services', {
    name: 'eligibility-api',
    cluster: 'sandbox',
    namespace: 'benefits',
    deployment: 'eligibility-api',
    tags: { agency: 'ED', program: 'StudentAid', fiscalYear: 'FY2026' },
  });
  say("2. Declare chapter 5's auto-scale rule: 4-20 replicas on http_rps > 500 (scale in below 200)");
  const surgeRule = {
    service: 'eligibility-api',
    minReplicas: 4,
    maxReplicas: 20,
    trigger: { metric: 'http_rps', threshold: 500 },
    scaleInThreshold: 200,
    name: 'eligibility-surge-Q3',
  };
  const preview = (await api.call('POST', '/autoscale-rules?dryRun=true', surgeRule)) as { replicas: unknown };
  console.log(`   dry run first: ${JSON.stringify(preview.replicas)}`);
  const rule = (await api.call('POST', '/autoscale-rules', surgeRule)) as { ruleId: string; alarms: string[] };
  console.log(`   { "ruleId": "${rule.ruleId}" } with alarms ${rule.alarms.join(', ')}`);

  ruleId = rule.ruleId;
  say('3. 9:00 a.m.: the GPO publishes; by 9:01 every borrower refreshes');
  let peak = 0;
  for (const [at, rps] of [
    [0, 300],
    [1, 640],
    [2, 1_500],
    [3, 2_600],
  ] as const)
    peak = Math.max(peak, await minute(at, rps));

  say('4. The rush subsides: scale-in waits out the 300 s stabilization window, then steps down');
  let at = 4;
  let current = peak;
  while (at <= 30 && (current > 4 || at === 4)) current = await minute(at++, 100);
  const after = await replicas();

  say('5. The audit trail, oldest first');
  const page = (await api.call('GET', '/audit?service=eligibility-api&limit=20')) as {
    records: Array<{ time: string; actor: string; action: string; target: string; before: unknown; after: unknown; outcome: string }>;
  };
  for (const r of page.records.reverse())
    console.log(
      `   ${r.time}  ${r.actor.padEnd(24)} ${r.action.padEnd(14)} ${r.target.padEnd(38)} ${r.outcome.padEnd(8)} ${brief(r.before)} → ${brief(r.after)}`,
    );
  const chain = (await api.call('GET', '/audit/verify?service=eligibility-api')) as { intact: boolean; records: number };
  console.log(`   hash chain: ${chain.records} records, ${chain.intact ? 'intact' : 'BROKEN'}`);

  ok = peak > 4 && after.replicas === 4 && chain.intact;
  say(ok ? `✔ eligibility-api went 4 → ${peak} → ${after.replicas} replicas` : `✘ replicas did not move and come back (peak ${peak}, after ${after.replicas})`);
} catch (err) {
  console.error(`demo failed: ${(err as Error).message}`);
} finally {
  await sandbox.close();
}
process.exit(ok ? 0 : 1);
