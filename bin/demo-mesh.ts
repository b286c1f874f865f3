// Plays the seeds' three mesh chapters against a throw-away sandbox, with real HTTP through the
// local data plane: chapter 12's receipt-svc and its retry, chapter 10's breaker, chapter 7's live
// TrafficPolicy and pause. The sandbox clock is fast-forwarded through the 30 s and 30 min waits.
// Exits 0 only if every step held.
import { readFileSync } from 'node:fs';
import { quietSdkNodeVersionWarning } from './sdk-node-warning.ts';

process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
quietSdkNodeVersionWarning();

const { OffsetClock } = await import('#adapters/local/offset-clock.ts');
const { startSandbox } = await import('#sandbox/sandbox.ts');
const { apiClient } = await import('./client.ts');
const { ejectedPods, enforced, httpCall, podsOf, until, withResponseFlags } = await import('./mesh-harness.ts');
type ApplyResult = import('#use-cases/mesh/apply-result.ts').ApplyResult;

const seed = (file: string) => readFileSync(new URL(`../test/fixtures/seeds/${file}`, import.meta.url), 'utf8');
const clock = new OffsetClock();
const wallStart = Date.now();
const sandbox = await startSandbox({
  clock,
  persistState: false,
  podReadyDelayMs: 200,
  reconcileSeconds: 3_600,
  alarmEvaluationSeconds: 3_600,
  meterSeconds: 3_600,
  burstTickSeconds: 3_600,
});
const api = apiClient(sandbox.url, sandbox.tokens.admin!);
const plane = sandbox.meshDataPlane.dataPlane;
const say = (text: string) => console.log(`\n${text}`);
const line = (text: string) => console.log(`   ${text}`);
const call = (url: string, source = 'demo-client', method = 'GET') =>
  httpCall(url, { via: plane.proxyUrl, source, method, ...(method === 'POST' ? { body: '{"amount":42}' } : {}) });

async function apply(file: string, path = '/manifests'): Promise<ApplyResult> {
  const result = (await api.call('POST', path, seed(file), 'application/yaml')) as ApplyResult;
  line(`$ hms sys apply ${file}`);
  for (const step of result.steps) line(`${step.ok ? '✓' : '✗'} ${step.text}`);
  if (result.serviceUrl) line(`Service URL: ${result.serviceUrl}`);
  return result;
}

const ready = (service: string, count: number) =>
  until(`${count} Ready pods of ${service} served by the data plane`, () => {
    const pods = podsOf(plane, service);
    return pods.length >= count ? pods : undefined;
  });

/** Moves the sandbox clock and lets the mesh function's schedules and tick see it. */
async function fastForward(ms: number) {
  clock.advance(ms);
  await sandbox.mesh.scheduler.fireDue();
  await sandbox.mesh.tickNow();
  await sandbox.bus.drain();
}

const held: { step: string; ok: boolean; why: string }[] = [];
async function step(title: string, run: () => Promise<string>) {
  say(title);
  try {
    const why = await run();
    held.push({ step: title, ok: true, why });
    line(`✔ ${why}`);
  } catch (err) {
    held.push({ step: title, ok: false, why: (err as Error).message });
    line(`✘ did not hold: ${(err as Error).message}`);
  }
}

try {
  let receiptUrl = 'http://receipt-svc.mesh/receipt';

  await step('1. Chapter 12: receipt-svc from receipt.hms.yml, called through the mesh', async () => {
    const result = await apply('receipt.hms.yml');
    receiptUrl = result.serviceUrl ?? receiptUrl;
    const pods = await ready('receipt-svc', 2);
    line(`pods: ${pods.map((p) => p.pod).join(', ')}`);
    const answer = await call(receiptUrl, 'demo-client', 'POST');
    line(`$ curl -x http://demo-client@${plane.proxyUrl.slice(7)} -X POST ${receiptUrl}  → ${answer.status} from ${answer.pod} in ${answer.ms.toFixed(1)} ms`);
    if (answer.status !== 200) throw new Error(`the call answered ${answer.status}: ${answer.body.slice(0, 200)}`);
    return `POST ${receiptUrl} answered 200 through the local data plane`;
  });

  await step("2. Chapter 12's sequence: one pod fails, the retry lands on the other", async () => {
    const [failing, healthy] = await ready('receipt-svc', 2);
    if (!failing || !healthy) throw new Error('receipt-svc has fewer than 2 pods');
    // The data plane balances round robin over the Ready endpoints: both pods answer while healthy.
    const spread = [];
    for (let i = 0; i < 4; i++) spread.push(await call(receiptUrl, 'demo-client', 'POST'));
    line(`healthy: 4 calls answered by ${spread.map((a) => a.pod).join(', ')}`);
    await plane.pods.set(failing.pod, { fail: true });
    line(`$ hms-sys sandbox pod ${failing.pod} --fail`);
    // A call racing the crash itself may reuse a pooled connection the pod just reset, which Istio's
    // default retryOn does not retry (no "reset"); the sequence is about calls after the pod failed.
    await new Promise((r) => setTimeout(r, 200));
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(await call(receiptUrl, 'demo-client', 'POST'));
    const entry = (await api.call('GET', '/registry/receipt-svc')) as { endpoints?: { address: string; pod?: string }[] };
    const inPool = (entry.endpoints ?? []).some((e) => e.address === failing.address);
    await plane.pods.set(failing.pod, { recover: true });
    const statuses = answers.map((a) => a.status);
    const answeredBy = [...new Set(answers.map((a) => a.pod ?? `no pod (${a.status} ${a.body.trim().slice(0, 60)})`))];
    line(`10 calls: ${statuses.filter((s) => s === 200).length} × 200, answered by ${answeredBy.join(', ')}`);
    line(
      `${failing.pod} (${failing.address}) ${inPool ? 'is still a Ready endpoint' : 'is no longer listed'}: each call that went to it was refused and retried on ${healthy.pod} (retries not set: 2 attempts on connect-failure)`,
    );
    if (new Set(spread.map((a) => a.pod)).size < 2) throw new Error('the healthy calls did not reach both pods, so a retry would not be shown');
    if (statuses.some((s) => s !== 200)) throw new Error(`callers saw ${statuses.filter((s) => s !== 200).join(', ')}`);
    if (answers.some((a) => a.pod !== healthy.pod)) throw new Error(`an answer came from ${failing.pod}`);
    if (!inPool) throw new Error(`${failing.pod} left the endpoints, so the calls were not retried but routed around it`);
    return `every caller got 200 from ${healthy.pod} while ${failing.pod} failed`;
  });

  await step(
    '3. Chapter 10: notification-svc; failing pods are ejected (max_failures 5), a fast 503 while all are out, back after reset_seconds 30',
    async () => {
      // The file names no image: the workload is the team's own Deployment, which hms-sys only meshes.
      sandbox.k8s.seedDeployment({
        namespace: 'default',
        name: 'notification-svc',
        replicas: 2,
        labels: { app: 'notification-svc', 'hms/mesh': 'enabled', 'sidecar.istio.io/inject': 'true' },
      });
      line("notification.yaml names no image: the team's own Deployment default/notification-svc (2 pods labelled hms/mesh: enabled) is running");
      const result = await apply('manifests/notification.yaml');
      const url = result.meshUrl ?? 'http://notification-svc.mesh:7000';
      // What the rendering set, read back from the applied objects rather than restated.
      type RenderedSpec = {
        trafficPolicy?: { outlierDetection?: { consecutive5xxErrors?: number; baseEjectionTime?: string } };
        http?: { retries?: { attempts?: number } }[];
      };
      const specOf = (kind: string) => (result.objects.find((o) => o.ref.kind === kind)?.object?.spec ?? {}) as RenderedSpec;
      const consecutive5xx = specOf('DestinationRule').trafficPolicy?.outlierDetection?.consecutive5xxErrors;
      const attempts = specOf('VirtualService').http?.find((r) => r.retries)?.retries?.attempts;
      const ejectionSeconds = Number.parseInt(specOf('DestinationRule').trafficPolicy?.outlierDetection?.baseEjectionTime ?? '', 10);
      if (consecutive5xx === undefined || attempts === undefined || !Number.isFinite(ejectionSeconds)) {
        throw new Error('the rendering has no outlier detection or no retries');
      }
      const pods = await ready('notification-svc', 2);
      const first = await call(`${url}/notify`);
      line(`${url}/notify → ${first.status}`);
      if (first.status !== 200) throw new Error(`the healthy service answered ${first.status}`);
      for (const pod of pods) await plane.pods.set(pod.pod, { fail: true });
      line(`every pod fails: ${pods.map((p) => p.pod).join(', ')}`);
      // Each call's answer, its response flags and the pods ejected after it, read from the data plane
      // (GET /sandbox/mesh/config), until every pod is out of the pool.
      const ejectedNow = async () => ejectedPods((await api.call('GET', '/sandbox/mesh/config')) as { ejected?: Record<string, string[]> }, pods);
      const failing: { status: number; body: string; flags: string[]; ejected: string[] }[] = [];
      await until('every notification-svc pod ejected', async () => {
        const { value, flags } = await withResponseFlags(plane, 'notification-svc', () => call(`${url}/notify`));
        const ejected = await ejectedNow();
        failing.push({ status: value.status, body: value.body.trim(), flags, ejected });
        line(
          `call ${failing.length} → ${value.status} ${value.body.trim().slice(0, 60)} [flags ${flags.join(' ') || 'none'}]; ejected after it: ${ejected.join(', ') || 'none'}`,
        );
        return ejected.length === pods.length ? true : undefined;
      });
      if (failing.some((c) => c.status < 500)) throw new Error(`a call to the failing pods answered ${failing.map((c) => c.status).join(', ')}`);
      const firstEjection = pods.map((p) => ({ pod: p.pod, call: failing.findIndex((c) => c.ejected.includes(p.pod)) + 1 }));
      line(
        `outlier detection (consecutive5xxErrors ${consecutive5xx}; retries.attempts ${attempts}, so up to ${attempts + 1} tries a call): ${firstEjection.map((e) => `${e.pod} out of the pool after call ${e.call}`).join(', ')}`,
      );
      const { value: open, flags: openFlags } = await withResponseFlags(plane, 'notification-svc', () => call(`${url}/notify`));
      const stillEjected = await ejectedNow();
      const calls = failing.length + 1;
      line(`call ${calls} → ${open.status} ${open.body.trim()} in ${open.ms.toFixed(1)} ms [flags ${openFlags.join(' ') || 'none'}]`);
      if (open.status !== 503 || !open.body.includes('no healthy upstream'))
        throw new Error(`with every pod ejected the call answered ${open.status} ${open.body.trim()}`);
      // UH: Envoy answered itself, no host was tried.
      if (openFlags.join() !== 'UH') throw new Error(`the 503 carried flags ${openFlags.join(' ') || 'none'}, not UH (no healthy upstream, no pod tried)`);
      if (stillEjected.length !== pods.length) throw new Error(`only ${stillEjected.join(', ') || 'no pod'} ejected after the 503`);
      line(`UH: the proxy answered itself, no pod was tried; still ejected: ${stillEjected.join(', ')}`);
      for (const pod of pods) await plane.pods.set(pod.pod, { recover: true });
      const { value: stillOpen, flags: stillFlags } = await withResponseFlags(plane, 'notification-svc', () => call(`${url}/notify`));
      line(`pods recovered, still ejected (baseEjectionTime ${ejectionSeconds}s): → ${stillOpen.status} [flags ${stillFlags.join(' ') || 'none'}]`);
      if (stillOpen.status !== 503 || stillFlags.join() !== 'UH')
        throw new Error(`a call reached a pod before the ${ejectionSeconds} s ejection ended: ${stillOpen.status}`);
      await fastForward(ejectionSeconds * 1000 + 1_000);
      const back = await until(`a 200 after the ${ejectionSeconds} s ejection`, async () => {
        const answer = await call(`${url}/notify`);
        return answer.status === 200 ? answer : undefined;
      });
      line(`${ejectionSeconds} s later (fast-forwarded) → ${back.status} from ${back.pod}`);
      return `after ${failing.length} failing calls all ${pods.length} pods were out of the pool; then a fast 503 no healthy upstream (${open.ms.toFixed(1)} ms, UH) until the ${ejectionSeconds} s ejection ended; then 200`;
    },
  );

  let fraudNamespace = 'default';
  await step('4. Chapter 7: the TrafficPolicy applied live, its propagation measured', async () => {
    await apply('return-intake.yaml');
    fraudNamespace = (await apply('fraud-scanner.yaml')).namespace;
    await ready('return-intake', 1);
    const podsBefore = (await ready('fraud-scanner', 1)).map((p) => p.pod);
    const vsBefore = await until('the fraud-scanner VirtualService enforced', () => enforced(plane, 'VirtualService', fraudNamespace, 'fraud-scanner'));
    const sent = Date.now();
    await apply('policies/irs-fraud.yml', '/policies');
    const vsAfter = await until('the new VirtualService generation enforced', () => {
      const now = enforced(plane, 'VirtualService', fraudNamespace, 'fraud-scanner');
      return now && now.resourceVersion !== vsBefore.resourceVersion ? now : undefined;
    });
    const propagationMs = Date.parse(vsAfter.enforcedAt) - sent;
    line(`VirtualService fraud-scanner generation ${vsBefore.generation} → ${vsAfter.generation}: enforced ${propagationMs} ms after the apply was sent`);
    for (const pod of podsBefore) await plane.pods.set(pod, { latencyMs: 2_000 });
    const slow = await call('http://fraud-scanner.mesh/flag', 'return-intake', 'POST');
    for (const pod of podsBefore) await plane.pods.set(pod, { latencyMs: 0 });
    line(`fraud-scanner answering in 2 s: return-intake → ${slow.status} after ${(slow.ms / 1000).toFixed(2)} s (timeoutMs: 800)`);
    const podsAfter = podsOf(plane, 'fraud-scanner').map((p) => p.pod);
    line(`pods before ${podsBefore.join(', ')}; after ${podsAfter.join(', ')}`);
    if (slow.status !== 504 || slow.ms > 1_500) throw new Error(`the 800 ms timeout was not enforced: ${slow.status} after ${slow.ms.toFixed(0)} ms`);
    if (podsAfter.join() !== podsBefore.join()) throw new Error('a fraud-scanner pod was restarted');
    return `live in ${propagationMs} ms (target under 1 s), no pod restarted`;
  });

  await step('5. Chapter 7: fraud-scanner paused for 30 minutes: 503 Service Paused, no restarts, then an automatic resume', async () => {
    const podsBefore = (await ready('fraud-scanner', 1)).map((p) => p.pod);
    const sent = Date.now();
    await api.call('POST', '/policies/pause', { service: 'fraud-scanner', durationMin: 30, reason: 'demo: the fraud model is retrained' });
    line('$ curl -X POST /policies/pause -d \'{"service":"fraud-scanner","durationMin":30}\'');
    const paused = await until('503 Service Paused', async () => {
      const answer = await call('http://fraud-scanner.mesh/flag', 'return-intake', 'POST');
      return answer.status === 503 && answer.body.includes('Service Paused') ? answer : undefined;
    });
    line(`return-intake → ${paused.status} ${paused.body.trim()}, ${Date.now() - sent} ms after the pause was sent`);
    await fastForward(30 * 60_000 + 1_000);
    const resumed = await until('a 200 after the 30 minutes', async () => {
      const answer = await call('http://fraud-scanner.mesh/flag', 'return-intake', 'POST');
      return answer.status === 200 ? answer : undefined;
    });
    const podsAfter = podsOf(plane, 'fraud-scanner').map((p) => p.pod);
    const pauses = (await api.call('GET', '/policies/pause')) as { pauses: unknown[] };
    line(`30 minutes later (fast-forwarded): → ${resumed.status}; pauses left: ${pauses.pauses.length}; pods ${podsAfter.join(', ')}`);
    if (podsAfter.join() !== podsBefore.join()) throw new Error('a fraud-scanner pod was restarted');
    if (pauses.pauses.length !== 0) throw new Error('the pause is still listed after its expiry');
    return 'paused with 503 Service Paused and resumed by its expiry, no pod restarted';
  });
} catch (err) {
  console.error(`demo failed: ${(err as Error).message}`);
} finally {
  await sandbox.close();
}

const ok = held.length === 5 && held.every((h) => h.ok);
say(ok ? '✔ every step held' : `✘ ${held.filter((h) => !h.ok).length + (5 - held.length)} of 5 steps did not hold`);
for (const h of held) line(`${h.ok ? '✔' : '✘'} ${h.step.split(':')[0]}: ${h.why}`);
console.log(`   (${((Date.now() - wallStart) / 1000).toFixed(1)} s of real time)`);
process.exit(ok ? 0 : 1);
