import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

/** Fields every simulated object carries in its metadata. */
export interface SimMeta {
  namespace: string;
  name: string;
  uid: string;
  creationTimestamp: string;
  resourceVersion: string;
}

export interface SimDeployment extends SimMeta {
  generation: number;
  /** Labels of the Deployment and of its pods; always include app=<name> when seeded. */
  labels: Record<string, string>;
  replicas: number;
}

export interface SimHpa extends SimMeta {
  deployment: string;
  minReplicas: number;
  maxReplicas: number;
  /** What the HPA itself wants: set from the target when created, changed only by clamping to min/max. */
  desiredReplicas: number;
}

export interface SimPod extends SimMeta {
  deployment: string;
  labels: Record<string, string>;
  /** performance.now() when the pod counts as created; Ready podReadyDelayMs later. */
  createdAt: number;
}

export interface DeploymentSeed {
  namespace: string;
  name: string;
  replicas: number;
  labels?: Record<string, string>;
}

export interface HpaSeed {
  namespace: string;
  name: string;
  deployment: string;
  minReplicas: number;
  maxReplicas: number;
}

const keyOf = (namespace: string, name: string) => `${namespace}/${name}`;

/**
 * The simulator's objects and the two controllers that act on them: the ReplicaSet side
 * (pods follow replicas) and the HPA loop (the HPA owns its target's replicas).
 * Pod readiness is derived from age when read, so it does not bump resourceVersions.
 */
export class SimState {
  private version = 0;
  private readonly deployments = new Map<string, SimDeployment>();
  private readonly hpas = new Map<string, SimHpa>();
  private readonly pods = new Map<string, SimPod[]>();

  constructor(private readonly podReadyDelayMs: number) {}

  get resourceVersion(): string {
    return String(this.version);
  }

  deployment(namespace: string, name: string): SimDeployment | undefined {
    return this.deployments.get(keyOf(namespace, name));
  }

  deploymentsIn(namespace: string): SimDeployment[] {
    return [...this.deployments.values()].filter((d) => d.namespace === namespace);
  }

  hpa(namespace: string, name: string): SimHpa | undefined {
    return this.hpas.get(keyOf(namespace, name));
  }

  hpasIn(namespace: string): SimHpa[] {
    return [...this.hpas.values()].filter((h) => h.namespace === namespace);
  }

  podsOf(namespace: string, deployment: string): SimPod[] {
    return this.pods.get(keyOf(namespace, deployment)) ?? [];
  }

  podsIn(namespace: string): SimPod[] {
    return this.deploymentsIn(namespace).flatMap((d) => this.podsOf(namespace, d.name));
  }

  isReady(pod: SimPod): boolean {
    return performance.now() - pod.createdAt >= this.podReadyDelayMs;
  }

  readyCount(deployment: SimDeployment): number {
    return this.podsOf(deployment.namespace, deployment.name).filter((p) => this.isReady(p)).length;
  }

  /** Adds a Deployment; seeded ones start with pods already Ready, as a workload that was running. */
  addDeployment(seed: DeploymentSeed, { podsReady }: { podsReady: boolean }): SimDeployment {
    const deployment: SimDeployment = {
      ...this.newMeta(seed.namespace, seed.name),
      generation: 1,
      labels: seed.labels ?? { app: seed.name },
      replicas: seed.replicas,
    };
    this.deployments.set(keyOf(seed.namespace, seed.name), deployment);
    this.reconcilePods(deployment, podsReady ? this.podReadyDelayMs : 0);
    return deployment;
  }

  setReplicas(deployment: SimDeployment, replicas: number): void {
    if (deployment.replicas === replicas) return;
    deployment.replicas = replicas;
    deployment.generation += 1;
    deployment.resourceVersion = this.nextVersion();
    this.reconcilePods(deployment, 0);
  }

  addHpa(seed: HpaSeed): SimHpa {
    const target = this.deployment(seed.namespace, seed.deployment);
    const hpa: SimHpa = {
      ...this.newMeta(seed.namespace, seed.name),
      deployment: seed.deployment,
      minReplicas: seed.minReplicas,
      maxReplicas: seed.maxReplicas,
      desiredReplicas: target?.replicas ?? seed.minReplicas,
    };
    this.hpas.set(keyOf(seed.namespace, seed.name), hpa);
    return hpa;
  }

  updateHpa(hpa: SimHpa, change: Pick<SimHpa, 'deployment' | 'minReplicas' | 'maxReplicas'>): void {
    if (hpa.deployment === change.deployment && hpa.minReplicas === change.minReplicas && hpa.maxReplicas === change.maxReplicas) {
      return;
    }
    Object.assign(hpa, change);
    hpa.resourceVersion = this.nextVersion();
  }

  /** One pass of the HPA controller: clamp each HPA's desired count and impose it on its target. */
  syncHpas(): void {
    for (const hpa of this.hpas.values()) {
      const desired = Math.min(hpa.maxReplicas, Math.max(hpa.minReplicas, hpa.desiredReplicas));
      if (desired !== hpa.desiredReplicas) {
        hpa.desiredReplicas = desired;
        hpa.resourceVersion = this.nextVersion();
      }
      const target = this.deployment(hpa.namespace, hpa.deployment);
      if (target) this.setReplicas(target, desired);
    }
  }

  /** Creates or removes pods until they match replicas; not-ready and newest pods go first. */
  private reconcilePods(deployment: SimDeployment, ageMs: number): void {
    const key = keyOf(deployment.namespace, deployment.name);
    const pods = [...(this.pods.get(key) ?? [])];
    while (pods.length < deployment.replicas) {
      const suffix = randomUUID().replace(/-/g, '').slice(0, 5);
      pods.push({
        ...this.newMeta(deployment.namespace, `${deployment.name}-${suffix}`),
        deployment: deployment.name,
        labels: { ...deployment.labels },
        createdAt: performance.now() - ageMs,
      });
    }
    if (pods.length > deployment.replicas) {
      pods.sort((a, b) => Number(this.isReady(a)) - Number(this.isReady(b)) || b.createdAt - a.createdAt);
      pods.splice(0, pods.length - deployment.replicas);
    }
    this.pods.set(key, pods);
  }

  private newMeta(namespace: string, name: string): SimMeta {
    return {
      namespace,
      name,
      uid: randomUUID(),
      creationTimestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      resourceVersion: this.nextVersion(),
    };
  }

  private nextVersion(): string {
    this.version += 1;
    return String(this.version);
  }
}
