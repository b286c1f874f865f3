/**
 * `npm run bench`: bundle sizes, init times, cold starts, decision latency and sandbox start-up,
 * each beside its target. Prints a table and writes bench/results.json. Exits 0 when a target is
 * missed (the table says MISSED); non-zero only when the benchmark itself could not run.
 * `npm run bench -- init cold` runs only the named sections (see SECTIONS) and writes
 * bench/results.init+cold.json, so a partial run never overwrites the full results.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAMBDA_BUNDLING, REPO_ROOT } from '#infra/lambda-bundling.ts';
import { digestFigures, measureDigestRuns, measureStreamVerify } from './audit-digests.ts';
import { auditVerifyFigures, measureAuditVerify } from './audit-verify.ts';
import { bundleSizeFigures, renderTopPackages } from './bundle-size.ts';
import { BASELINE_ENTRY, type Bundle, bundleEntry, HANDLER_ENTRIES } from './bundling.ts';
import { burstReadinessFigures, measureBurstReadiness } from './burst-readiness.ts';
import { coldStartFigures, measureColdStarts } from './cold-start.ts';
import { decisionLatencyFigures, measureDecisionLatency, persistedLatencyFigures } from './decision-latency.ts';
import { fanOutFigures, measureFanOut } from './fan-out.ts';
import { initTimeFigures, measureInitTimes } from './init-time.ts';
import { lookupLatencyFigures, measureLookupLatency } from './lookups.ts';
import { measureMemorySoak, memorySoakFigures } from './memory-soak.ts';
import { measureMesh, meshFigures } from './mesh.ts';
import { measureMeterCost, meterCostFigures } from './meter-cost.ts';
import { measureReactionTimes, reactionSources, reactionTimeFigures } from './reaction-time.ts';
import { collectResults, type Figure, renderTable, writeResults } from './report.ts';
import { measureRotations, measureSweep, rotationFigures, sweepFigures } from './rotation.ts';
import { measureSimRequests, simRequestFigures } from './sim-requests.ts';
import { measureStartup, startupFigures } from './startup.ts';

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
  coldStartRuns: 9,
  auditVerifyRecords: 20_000,
  auditVerifyRuns: 3,
  simulatorRequests: 1_000,
  fanOutServices: 200,
  fanOutRuns: 3,
  soakRequests: 20_000,
  lookupRequests: 1_000,
  lookupWarmup: 100,
  digestStreams: 1_000,
  digestRecordsPerStream: 3,
  digestRuns: 3,
  digestVerifyRecords: 100_000,
  digestVerifyRuns: 3,
  mesh: { applies: 100, propagations: 100, requests: 1_000, pauses: 10 },
};
const SECTIONS = [
  'size',
  'init',
  'cold',
  'decision',
  'startup',
  'burst',
  'reaction',
  'meter',
  'sweep',
  'rotation',
  'audit',
  'simulator',
  'fanout',
  'soak',
  'lookups',
  'digest',
  'mesh',
] as const;
const chosen = process.argv.slice(2).filter((a) => a !== '--');
const unknown = chosen.filter((a) => !(SECTIONS as readonly string[]).includes(a));
if (unknown.length > 0) throw new Error(`unknown bench section(s) ${unknown.join(', ')}; choose from ${SECTIONS.join(', ')}`);
const wanted = (section: (typeof SECTIONS)[number]) => chosen.length === 0 || chosen.includes(section);
const RESULTS_FILE = join(REPO_ROOT, 'bench', chosen.length === 0 ? 'results.json' : `results.${chosen.join('+')}.json`);

const step = (message: string) => console.error(`bench: ${message}`);

async function main(): Promise<void> {
  const startLoad = loadavg();
  const workDir = mkdtempSync(join(tmpdir(), 'hms-sys-bundles-'));
  const figures: Figure[] = [];
  try {
    const built: Awaited<ReturnType<typeof bundleEntry>>[] = [];
    if (wanted('size') || wanted('init') || wanted('cold')) {
      step(`bundling ${HANDLER_ENTRIES.length} handlers and the baseline with infra/lambda-bundling.ts, as the stack does`);
      for (const entry of [...HANDLER_ENTRIES, BASELINE_ENTRY]) built.push(await bundleEntry(entry, workDir, LAMBDA_BUNDLING));
    }
    const handlers: Bundle[] = built.filter((b) => b.name !== BASELINE_ENTRY.name);
    if (wanted('size')) figures.push(...bundleSizeFigures(handlers));

    if (wanted('init')) {
      step(`importing each bundle ${PARAMETERS.initRunsPerBundle} times in fresh node processes`);
      const initSamples = await measureInitTimes(built, PARAMETERS.initRunsPerBundle);
      figures.push(...initTimeFigures(initSamples, BASELINE_ENTRY.name, PARAMETERS.initRatioHandlers));
    }

    if (wanted('cold')) {
      step(`cold starts: ${PARAMETERS.coldStartRuns} fresh processes each for the scaler (alarm → scale PATCH), the API (one GET) and a bare GET + PATCH`);
      figures.push(...coldStartFigures(await measureColdStarts(handlers, PARAMETERS.coldStartRuns)));
    }

    if (wanted('decision')) {
      step(`publishing ${PARAMETERS.decisionWarmupEvents} + ${PARAMETERS.decisionEvents} alarm events through the sandbox`);
      const latency = await measureDecisionLatency(PARAMETERS.decisionWarmupEvents, PARAMETERS.decisionEvents);
      figures.push(...decisionLatencyFigures(latency));
      figures.push(...persistedLatencyFigures(await measureDecisionLatency(PARAMETERS.decisionWarmupEvents, PARAMETERS.decisionEvents / 4, true)));
    }

    if (wanted('startup')) {
      step(`starting the sandbox with npm start ${PARAMETERS.startupRuns} times`);
      const startup = await measureStartup(PARAMETERS.startupRuns);
      figures.push(...startupFigures(startup));
      if (startup.every((s) => s.reportedMs === null)) step('warning: the CLI never printed "hms-sys sandbox ready in N ms"');
    }

    if (wanted('burst')) {
      step('simulating a 10 → 1,000 pod burst against the HPA-default and KEDA baselines (virtual time)');
      figures.push(...burstReadinessFigures(measureBurstReadiness()));
    }

    if (wanted('reaction')) {
      step(
        'reaction time, load crossing a threshold to the first scale PATCH: hms-sys (10 s and 60 s alarms) beside the HPA default and KEDA (virtual time); cadences assumed:',
      );
      for (const line of reactionSources()) step(`  ${line}`);
      figures.push(...reactionTimeFigures(await measureReactionTimes()));
    }

    if (wanted('meter')) {
      step(`metering ${PARAMETERS.meterServices} services ${PARAMETERS.meterRuns} times over dynalite and the Kubernetes simulator`);
      figures.push(...meterCostFigures(PARAMETERS.meterServices, await measureMeterCost(PARAMETERS.meterServices, PARAMETERS.meterRuns)));
    }

    if (wanted('sweep')) {
      step(`sweeping ${PARAMETERS.sweptSecrets} secrets in the sandbox's local Secrets Manager`);
      figures.push(...sweepFigures(PARAMETERS.sweptSecrets, await measureSweep(PARAMETERS.sweptSecrets)));
    }

    if (wanted('rotation')) {
      step(`rotating a database secret ${PARAMETERS.rotations} times against an embedded PostgreSQL`);
      figures.push(...rotationFigures(await measureRotations(PARAMETERS.rotations)));
    }

    if (wanted('audit')) {
      step(`verifying a ${PARAMETERS.auditVerifyRecords}-record audit stream in dynalite ${PARAMETERS.auditVerifyRuns} times, beside reading it`);
      figures.push(...auditVerifyFigures(PARAMETERS.auditVerifyRecords, await measureAuditVerify(PARAMETERS.auditVerifyRecords, PARAMETERS.auditVerifyRuns)));
    }

    if (wanted('fanout')) {
      step(
        `fan-out: ${PARAMETERS.fanOutServices} services' metrics pushed at once, each alarming its rule, with the functions' concurrency limits on; ${PARAMETERS.fanOutRuns} fresh sandboxes`,
      );
      figures.push(...fanOutFigures(await measureFanOut(PARAMETERS.fanOutServices, PARAMETERS.fanOutRuns)));
    }

    if (wanted('soak')) {
      step(
        `memory soak: ${PARAMETERS.soakRequests.toLocaleString('en-US')} list requests against a sandbox in its own process, live heap after a forced collection before and after`,
      );
      figures.push(...memorySoakFigures(await measureMemorySoak(PARAMETERS.soakRequests)));
    }

    if (wanted('digest')) {
      step(
        `digest: ${PARAMETERS.digestRuns} digest runs over ${PARAMETERS.digestStreams} streams, then a verify of one ${PARAMETERS.digestVerifyRecords}-record stream with its digests (dynalite, local S3)`,
      );
      const runs = await measureDigestRuns(PARAMETERS.digestStreams, PARAMETERS.digestRecordsPerStream, PARAMETERS.digestRuns);
      const verifies = await measureStreamVerify(PARAMETERS.digestVerifyRecords, PARAMETERS.digestVerifyRuns);
      figures.push(...digestFigures(PARAMETERS.digestStreams, runs, PARAMETERS.digestVerifyRecords, verifies));
    }
    if (wanted('lookups')) {
      step(
        `lookups: ${PARAMETERS.lookupRequests} reads each of GET /services/{name} and GET /audit with the lookup put into the DynamoDB outbox beside the read, interleaved with the same reads without recording (dynalite)`,
      );
      figures.push(...lookupLatencyFigures(await measureLookupLatency(PARAMETERS.lookupRequests, PARAMETERS.lookupWarmup)));
    }

    if (wanted('mesh')) {
      const m = PARAMETERS.mesh;
      step(
        `mesh: ${m.applies} manifest applies, ${m.propagations} policy applies until enforced, ${m.requests} requests straight and through the local data plane, ${m.pauses} pauses until the first 503 (one sandbox)`,
      );
      figures.push(...meshFigures(await measureMesh(m)));
    }

    if (wanted('simulator')) {
      step(`simulator requests: ${PARAMETERS.simulatorRequests} GETs of a Deployment and of its scale, 1,500 pods in 50 Deployments beside a 1-pod cluster`);
      figures.push(...simRequestFigures(measureSimRequests(PARAMETERS.simulatorRequests)));
    }

    const results = collectResults(
      figures,
      {
        ...PARAMETERS,
        bundling: { options: LAMBDA_BUNDLING, targetUsed: built[0]?.target, bundleFile: 'index.mjs (size excludes the source map)' },
        initChildEnvironment:
          'parent env without AWS_* and NODE_OPTIONS, plus AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true and POWERTOOLS_METRICS_DISABLED=true',
        coldStart:
          'fresh node process from its first statement: import the bundle, handle one event (scaler: alarm → the simulator answers its scale PATCH; api: GET /services/{name} → handler returns), with NODE_OPTIONS=--enable-source-maps as the stack sets, DynamoDB on dynalite and EKS DescribeCluster + the API server on a loopback front to the simulator; baseline: a fresh process that loads node:http and does the bare GET + PATCH through the same front',
        sections: chosen.length === 0 ? 'all' : chosen,
        decisionLatency:
          "bus.publish → simulator answers the scaler's PATCH .../scale; Deployment reset 4 replicas outside the timed part; interleaved with the bare round trip",
      },
      startLoad,
    );
    console.log(renderTable(results));
    console.log();
    if (handlers.length > 0) console.log(renderTopPackages(handlers));
    const missed = results.figures.filter((f) => f.ok === false);
    console.log();
    console.log(missed.length === 0 ? 'all targets met' : `MISSED ${missed.length} target(s): ${missed.map((f) => f.name).join('; ')}`);
    console.log(
      `machine: node ${results.machine.node}, ${results.machine.cpus} cpus, load ${results.machine.loadavg.join(' ')} (at start ${startLoad.map((l) => l.toFixed(2)).join(' ')})`,
    );
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
