/**
 * `npm run bench`: bundle sizes, init times, decision latency and sandbox start-up, each beside
 * its target. Prints a table and writes bench/results.json. Exits 0 when a target is missed
 * (the table says MISSED); non-zero only when the benchmark itself could not run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleSizeFigures, renderTopPackages } from './bundle-size.ts';
import { BASELINE_ENTRY, HANDLER_ENTRIES, bundleEntry, type Bundle } from './bundling.ts';
import { LAMBDA_BUNDLING, REPO_ROOT } from '#infra/lambda-bundling.ts';
import { decisionLatencyFigures, measureDecisionLatency, persistedLatencyFigures } from './decision-latency.ts';
import { initTimeFigures, measureInitTimes } from './init-time.ts';
import { collectResults, renderTable, writeResults, type Figure } from './report.ts';
import { measureStartup, startupFigures } from './startup.ts';
import { burstReadinessFigures, measureBurstReadiness } from './burst-readiness.ts';
import { measureMeterCost, meterCostFigures } from './meter-cost.ts';
import { measureRotations, measureSweep, rotationFigures, sweepFigures } from './rotation.ts';

const PARAMETERS = {
  initRunsPerBundle: 15,
  decisionWarmupEvents: 50,
  decisionEvents: 1_000,
  startupRuns: 3,
  initRatioHandlers: ['scaler', 'rotation'],
  sweptSecrets: 1_000,
  rotations: 50,
  meterServices: 1_000,
  meterRuns: 3,
};
const RESULTS_FILE = join(REPO_ROOT, 'bench', 'results.json');

const step = (message: string) => console.error(`bench: ${message}`);

async function main(): Promise<void> {
  const startLoad = loadavg();
  const workDir = mkdtempSync(join(tmpdir(), 'hms-sys-bundles-'));
  const figures: Figure[] = [];
  try {
    step(`bundling ${HANDLER_ENTRIES.length} handlers and the baseline with infra/lambda-bundling.ts, as the stack does`);
    const built = [];
    for (const entry of [...HANDLER_ENTRIES, BASELINE_ENTRY]) built.push(await bundleEntry(entry, workDir, LAMBDA_BUNDLING));
    const handlers: Bundle[] = built.filter((b) => b.name !== BASELINE_ENTRY.name);
    figures.push(...bundleSizeFigures(handlers));

    step(`importing each bundle ${PARAMETERS.initRunsPerBundle} times in fresh node processes`);
    const initSamples = await measureInitTimes(built, PARAMETERS.initRunsPerBundle);
    figures.push(...initTimeFigures(initSamples, BASELINE_ENTRY.name, PARAMETERS.initRatioHandlers));

    step(`publishing ${PARAMETERS.decisionWarmupEvents} + ${PARAMETERS.decisionEvents} alarm events through the sandbox`);
    const latency = await measureDecisionLatency(PARAMETERS.decisionWarmupEvents, PARAMETERS.decisionEvents);
    figures.push(...decisionLatencyFigures(latency));
    figures.push(...persistedLatencyFigures(await measureDecisionLatency(PARAMETERS.decisionWarmupEvents, PARAMETERS.decisionEvents / 4, true)));

    step(`starting the sandbox with npm start ${PARAMETERS.startupRuns} times`);
    const startup = await measureStartup(PARAMETERS.startupRuns);
    figures.push(...startupFigures(startup));
    if (startup.every((s) => s.reportedMs === null)) step('warning: the CLI never printed "hms-sys sandbox ready in N ms"');

    step('simulating a 10 → 1,000 pod burst against the HPA-default and KEDA baselines (virtual time)');
    figures.push(...burstReadinessFigures(measureBurstReadiness()));

    step(`metering ${PARAMETERS.meterServices} services ${PARAMETERS.meterRuns} times over dynalite and the Kubernetes simulator`);
    figures.push(...meterCostFigures(PARAMETERS.meterServices, await measureMeterCost(PARAMETERS.meterServices, PARAMETERS.meterRuns)));

    step(`sweeping ${PARAMETERS.sweptSecrets} secrets in the sandbox's local Secrets Manager`);
    figures.push(...sweepFigures(PARAMETERS.sweptSecrets, await measureSweep(PARAMETERS.sweptSecrets)));

    step(`rotating a database secret ${PARAMETERS.rotations} times against an embedded PostgreSQL`);
    figures.push(...rotationFigures(await measureRotations(PARAMETERS.rotations)));

    const results = collectResults(figures, {
      ...PARAMETERS,
      bundling: { options: LAMBDA_BUNDLING, targetUsed: built[0]?.target, bundleFile: 'index.mjs (size excludes the source map)' },
      initChildEnvironment: 'parent env without AWS_* and NODE_OPTIONS, plus AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true and POWERTOOLS_METRICS_DISABLED=true',
      decisionLatency: 'bus.publish → simulator answers the scaler\'s PATCH .../scale; Deployment reset 4 replicas outside the timed part; interleaved with the bare round trip',
    }, startLoad);
    console.log(renderTable(results));
    console.log();
    console.log(renderTopPackages(handlers));
    const missed = results.figures.filter((f) => f.ok === false);
    console.log();
    console.log(missed.length === 0 ? 'all targets met' : `MISSED ${missed.length} target(s): ${missed.map((f) => f.name).join('; ')}`);
    console.log(`machine: node ${results.machine.node}, ${results.machine.cpus} cpus, load ${results.machine.loadavg.join(' ')} (at start ${startLoad.map((l) => l.toFixed(2)).join(' ')})`);
    writeResults(RESULTS_FILE, results);
    console.log(`results written to ${RESULTS_FILE}`);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().then(
  // The in-process sandbox may leave timers behind; the benchmark is done.
  () => process.exit(0),
  (err: Error) => {
    console.error(`bench failed: ${err.stack ?? err.message}`);
    process.exit(1);
  },
);
