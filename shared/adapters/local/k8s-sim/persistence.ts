/**
 * The simulated cluster on disk, so a sandbox restart resumes it instead of starting from its seed.
 * One JSON file holds every object by kind (the kinds kept whole, generic-store.ts, under `kept`),
 * the resourceVersion counter, and the simulator's time. Pods persist with their nodes and the
 * times they were scheduled: the cluster is taken to have run on while the sandbox was stopped,
 * so a resumed pod that was starting is Ready once its time has come, and a node that was
 * launching is Ready at its readyAt, as on a real cluster whose control plane restarts.
 * Writes are atomic (a temporary file renamed over the old one), made a debounce window after a
 * change and on close, so a clean close loses nothing and a kill -9 at most that window.
 */
import { DebouncedJsonWriter, readFileIfPresent } from '../atomic-file.ts';
import type { NodePoolSnapshot, SimNode } from './capacity.ts';
import { keyOf, type SimCore } from './core.ts';
import type { SimDeployment, SimHpa, SimPod, SimPriorityClass } from './objects.ts';

export const SNAPSHOT_FORMAT = 1;

export interface SimSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  savedAt: string;
  /** The simulator's time (the clock's ms) the objects are as of. */
  time: number;
  resourceVersion: number;
  podSeq: number;
  nextHpaSyncAt: number;
  /** The open node batch, null with none. */
  batchOpenedAt: number | null;
  objects: {
    deployments: SimDeployment[];
    horizontalpodautoscalers: SimHpa[];
    pods: SimPod[];
    nodes: SimNode[];
    priorityclasses: SimPriorityClass[];
    /** Services, ConfigMaps, Secrets, Istio's kinds (generic-store.ts), each with its plural; absent in older files. */
    kept?: { plural: string; object: Record<string, unknown> }[];
  };
}

export function snapshotOf(core: SimCore): SimSnapshot {
  const pool = core.pool.snapshot();
  return {
    format: SNAPSHOT_FORMAT,
    savedAt: new Date().toISOString(),
    time: core.time,
    resourceVersion: core.version,
    podSeq: core.podSeq,
    nextHpaSyncAt: core.nextHpaSyncAt,
    batchOpenedAt: pool.batchOpenedAt,
    objects: {
      deployments: [...core.deployments.values()],
      horizontalpodautoscalers: [...core.hpas.values()],
      pods: core.pods.all(),
      nodes: pool.nodes,
      priorityclasses: [...core.priorityClasses.values()],
      kept: core.objects.entries(),
    },
  };
}

/**
 * Loads a snapshot into an empty core. A snapshot saved ahead of the clock (a test's clock moved
 * forward in an earlier run) has its times moved back, so the saved moment is now and nothing
 * waits for the clock to catch up. resourceVersions go on from the saved counter.
 */
export function restoreSnapshot(core: SimCore, saved: SimSnapshot): void {
  const shift = Math.min(0, core.time - saved.time);
  core.time = saved.time + shift;
  core.version = Math.max(core.version, saved.resourceVersion);
  core.podSeq = saved.podSeq;
  core.nextHpaSyncAt = (saved.nextHpaSyncAt ?? saved.time + core.hpaSyncMs) + shift;
  const pool: NodePoolSnapshot = { nodes: saved.objects.nodes, batchOpenedAt: saved.batchOpenedAt };
  core.pool.restore(pool, shift);
  core.priorityClasses.clear();
  for (const pc of saved.objects.priorityclasses) core.priorityClasses.set(pc.name, { ...pc });
  core.objects.restore(saved.objects.kept ?? []);
  for (const d of saved.objects.deployments) {
    const deployment = { ...d };
    core.deployments.set(keyOf(d.namespace, d.name), deployment);
    if (deployment.observedGeneration < deployment.generation) core.unobserved.add(deployment);
    if (deployment.rollingOut) core.rollingOut.add(deployment);
    core.touch(deployment);
  }
  for (const h of saved.objects.horizontalpodautoscalers) {
    core.hpas.set(keyOf(h.namespace, h.name), { ...h });
    core.touchedHpas.add(keyOf(h.namespace, h.name));
  }
  for (const p of saved.objects.pods) {
    const pod: SimPod = { ...p, createdAt: p.createdAt + shift, ...(p.scheduledAt === undefined ? {} : { scheduledAt: p.scheduledAt + shift }) };
    core.pods.add(pod, core.time);
    const owner = core.deployments.get(keyOf(p.namespace, p.deployment));
    if (owner && pod.revision !== owner.observedRevision) core.replacing.add(owner);
  }
  // The ReplicaSet controller syncs every Deployment on start: one saved short of its pods goes on creating them.
  for (const deployment of core.deployments.values()) core.shortOfPods.add(deployment);
  core.nextReplicaSetSyncAt = core.time;
}

/** Reads a snapshot file; undefined when there is none. Throws, naming the file, when it is not one. */
export function readSnapshot(path: string): SimSnapshot | undefined {
  const text = readFileIfPresent(path);
  if (text === undefined) return undefined;
  let parsed: Partial<SimSnapshot>;
  try {
    parsed = JSON.parse(text) as Partial<SimSnapshot>;
  } catch {
    throw new Error(`${path} is not valid JSON; remove it to start the simulated cluster from its seed`);
  }
  if (parsed.format !== SNAPSHOT_FORMAT || typeof parsed.time !== 'number' || !parsed.objects) {
    throw new Error(`${path} is not a simulator snapshot of format ${SNAPSHOT_FORMAT}; remove it to start the simulated cluster from its seed`);
  }
  const objects = parsed.objects;
  for (const kind of ['deployments', 'horizontalpodautoscalers', 'pods', 'nodes', 'priorityclasses'] as const) {
    if (!Array.isArray(objects[kind])) throw new Error(`${path} has no ${kind} list; remove it to start the simulated cluster from its seed`);
  }
  if (objects.kept !== undefined && !Array.isArray(objects.kept))
    throw new Error(`${path} has a kept list that is not a list; remove it to start the simulated cluster from its seed`);
  return parsed as SimSnapshot;
}

/** Saves a debounce window after the first change since the last save, and at once on flush(). */
export class SnapshotWriter extends DebouncedJsonWriter {
  constructor(path: string, take: () => SimSnapshot, debounceMs: number) {
    super(path, take, debounceMs, 'the simulated cluster');
  }
}
