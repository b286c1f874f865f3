/**
 * The memory soak's sandbox process (test/bench/memory-soak.ts starts it with --expose-gc): a
 * sandbox with state on disk, as `npm start` keeps it. Protocol on stdio, one line each: it prints
 * `SOAK {"url","token"}` when ready; on `measure` it collects garbage and prints
 * `SOAK {"heapUsed","rss"}`; on `close` it stops the sandbox and exits.
 */
import { createInterface } from 'node:readline';
import { startSandbox } from '#sandbox/sandbox.ts';

const collect = (globalThis as { gc?: () => void }).gc;
if (!collect) throw new Error('run with node --expose-gc');
const sandbox = await startSandbox({
  podReadyDelayMs: 20,
  reconcileSeconds: 3_600,
  alarmEvaluationSeconds: 3_600,
  meterSeconds: 3_600,
  burstTickSeconds: 3_600,
});
// Workloads for the soak's services, so the lists it reads are not empty.
for (let i = 0; i < 20; i++) sandbox.k8s.seedDeployment({ namespace: 'soak', name: `soak-${i}`, replicas: 2, podRequests: { cpu: '250m', memory: '512Mi' } });
const say = (message: Record<string, unknown>) => process.stdout.write(`SOAK ${JSON.stringify(message)}\n`);
say({ url: sandbox.url, token: sandbox.tokens.admin });

for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'measure') {
    // Twice, and after a turn of the event loop, so objects freed by finalizers are gone too.
    collect();
    await new Promise((resolve) => setImmediate(resolve));
    collect();
    say({ heapUsed: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss });
  }
  if (line === 'close') break;
}
await sandbox.close();
process.exit(0);
