/**
 * What one Kubernetes simulator request costs on the state side (routing, catching up with the
 * clock, rendering), without HTTP: a GET of one Deployment and a GET of its scale subresource,
 * on a cluster of 1,500 pods across 50 Deployments, beside the same requests on a cluster of one
 * Deployment with one pod, in the same run.
 * Two cases: steady (every pod Ready) and churn, where the clock moves 1 ms before each request
 * and a Deployment's pods turn Ready every 20 ms, so statuses keep moving as during a fan-out.
 */
import { performance } from 'node:perf_hooks';
import { handleRequest } from '#adapters/local/k8s-sim/routes.ts';
import { SimState } from '#adapters/local/k8s-sim/state.ts';
import type { Figure } from './report.ts';
import { median, round } from './stats.ts';

const READY_MS = 1_000;
const STAGGER_MS = 20;

interface Cluster {
  state: SimState;
  clock: { t: number };
  names: string[];
}

/** `deployments` Deployments of `podsEach` pods; with `churn`, created STAGGER_MS apart so their pods turn Ready one Deployment at a time. */
function cluster(deployments: number, podsEach: number, churn: boolean): Cluster {
  const clock = { t: 0 };
  const state = new SimState({
    podReadyDelayMs: READY_MS,
    now: () => clock.t,
    capacity: { podsPerNode: 30, maxNodes: 100, initialNodes: Math.ceil((deployments * podsEach) / 30) },
  });
  const names: string[] = [];
  for (let i = 0; i < deployments; i++) {
    const name = `svc-${String(i).padStart(2, '0')}`;
    names.push(name);
    if (churn) clock.t = i * STAGGER_MS;
    state.addDeployment({ namespace: 'bench', name, replicas: podsEach, podRequests: { cpu: '250m', memory: '512Mi' } }, { podsReady: !churn });
  }
  // Churn starts as the first Deployment's pods turn Ready.
  clock.t = churn ? READY_MS : clock.t;
  state.advance();
  return { state, clock, names };
}

const get = (state: SimState, pathname: string) =>
  handleRequest(state, { method: 'GET', pathname, query: new URLSearchParams(), contentType: undefined, body: undefined });

/** Per-request times (ms) of `requests` GET pairs (Deployment, then its scale) round the cluster's Deployments. */
function timeRequests(c: Cluster, requests: number, churn: boolean): number[] {
  const samples: number[] = [];
  for (let i = 0; i < requests; i++) {
    const name = c.names[i % c.names.length]!;
    const path = `/apis/apps/v1/namespaces/bench/deployments/${name}`;
    for (const pathname of [path, `${path}/scale`]) {
      if (churn) c.clock.t += 1;
      const start = performance.now();
      const answer = get(c.state, pathname);
      samples.push(performance.now() - start);
      if (answer.status !== 200) throw new Error(`GET ${pathname} answered ${answer.status}`);
    }
  }
  return samples;
}

export interface SimRequestCosts {
  steadyMs: number;
  steadyBaselineMs: number;
  churnMs: number;
  churnBaselineMs: number;
  pods: number;
}

export function measureSimRequests(requests = 1_000): SimRequestCosts {
  const run = (deployments: number, podsEach: number, churn: boolean) => {
    const c = cluster(deployments, podsEach, churn);
    timeRequests(c, 100, false); // warm-up
    return median(timeRequests(c, requests, churn));
  };
  // Interleaved, so the machine's load bears on both alike.
  return {
    steadyBaselineMs: run(1, 1, false),
    steadyMs: run(50, 30, false),
    churnBaselineMs: run(1, 1, true),
    churnMs: run(50, 30, true),
    pods: 1_500,
  };
}

/** A request touches one Deployment's counters, so 1,500 pods should cost little more than one (a pass over every pod cost ~200×). */
const RATIO_TARGET = { max: 2, unit: '×' };

export function simRequestFigures(r: SimRequestCosts): Figure[] {
  return [
    {
      name: 'simulator GET (Deployment, scale), 1,500 pods in 50 Deployments, all Ready',
      value: round(r.steadyMs * 1000, 1),
      unit: 'µs median',
      details: { baselineMicros: round(r.steadyBaselineMs * 1000, 1), ratioVsOnePod: round(r.steadyMs / r.steadyBaselineMs) },
    },
    { name: '  ratio to a 1-pod cluster, all Ready', value: round(r.steadyMs / r.steadyBaselineMs), unit: '×', target: RATIO_TARGET },
    {
      name: 'simulator GET during churn (pods turning Ready every 20 ms)',
      value: round(r.churnMs * 1000, 1),
      unit: 'µs median',
      details: { baselineMicros: round(r.churnBaselineMs * 1000, 1), ratioVsOnePod: round(r.churnMs / r.churnBaselineMs) },
    },
    { name: '  ratio to a 1-pod cluster, churn', value: round(r.churnMs / r.churnBaselineMs), unit: '×', target: RATIO_TARGET },
  ];
}
