import type { Rollout } from '#domain/mesh/rollout.ts';
import type { ApplyResult } from '#use-cases/mesh/apply-result.ts';
import type { ApiClient } from '../client.ts';

/** How long `hms-sys deploy` waits for the pods, as `kubectl rollout status --timeout` does, unless --timeout says otherwise. */
export const DEFAULT_WAIT_SECONDS = 120;
/** The pause between two reads of GET /registry/{name}. */
export const WAIT_INTERVAL_MS = 1000;

export interface WaitOptions {
  timeoutSeconds: number;
  intervalMs?: number;
  /** Milliseconds now (tests move it); Date.now by default. */
  now?(): number;
  sleep?(ms: number): Promise<void>;
  /** Called once, when the first read finds the rollout not complete (the CLI says on stderr that it waits). */
  onWaiting?(rollout: Rollout | undefined): void;
}

export interface PodsOutcome {
  ok: boolean;
  /** The pods step as observed: "2/2 pods ready (image)", or at the time-out "1/2 pods ready after 120 s". */
  text: string;
  /** Set when the time ran out: what the rollout still waited for, and what to do. */
  problem?: string;
  rollout?: Rollout;
}

/**
 * A server step that reports the pods (the apply's own reading, taken before they had time to
 * start): "2/2 pods ready (image)", "0/2 pods of IMAGE ready; the rollout goes on (…)", or the
 * Deployment not found (shared/use-cases/mesh/deploy-workload.ts podsStep).
 */
export const isPodsStep = (text: string) => /^\d+\/\d+ pods\b|^Deployment \S+ not found\b/.test(text);

/** Whether an apply's answer calls for a wait: a service (not a policy) with an image, really applied. */
export const waitsForPods = (result: ApplyResult) => !result.dryRun && result.kind === 'MeshService' && Boolean(result.entry?.manifest.spec.image);

/**
 * Reads GET /registry/{name} until its Deployment's rollout is complete (the updated pods of the
 * current template Ready and available, no older pod left), or `timeoutSeconds` have passed.
 * The server's apply stays short (API Gateway ends a request at 29 s); the waiting is the CLI's.
 */
export async function waitForPods(api: ApiClient, name: string, options: WaitOptions): Promise<PodsOutcome> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const interval = options.intervalMs ?? WAIT_INTERVAL_MS;
  const deadline = now() + options.timeoutSeconds * 1000;
  for (let reads = 1; ; reads += 1) {
    const { rollout } = (await api.call('GET', `/registry/${encodeURIComponent(name)}`)) as { rollout?: Rollout };
    if (rollout?.complete) {
      return { ok: true, text: `${rollout.ready}/${rollout.desired} pods ready${rollout.image ? ` (${rollout.image})` : ''}`, rollout };
    }
    if (reads === 1) options.onWaiting?.(rollout);
    const left = deadline - now();
    if (left <= 0) return timedOut(name, options.timeoutSeconds, rollout);
    await sleep(Math.min(interval, left));
  }
}

function timedOut(name: string, seconds: number, rollout: Rollout | undefined): PodsOutcome {
  const counts = rollout ? `${rollout.ready}/${rollout.desired}` : '0/?';
  const waiting = rollout ? `waiting for ${rollout.waitingFor}` : `its Deployment is not there`;
  return {
    ok: false,
    text: `${counts} pods ready after ${seconds} s`,
    problem:
      `${name}'s pods were not all ready after ${seconds} s (${waiting}); the objects are applied and the rollout goes on: ` +
      `see kubectl get pods -l hms-sys.io/service=${name} -A, and run the command again with a longer --timeout, or --no-wait`,
    ...(rollout ? { rollout } : {}),
  };
}

/** The answer with the server's pods step replaced by the observed one (added after the steps when the server gave none). */
export function withPodsStep(result: ApplyResult, outcome: PodsOutcome): ApplyResult {
  const step = { ok: outcome.ok, text: outcome.text };
  const at = result.steps.findIndex((s) => isPodsStep(s.text));
  const steps = at < 0 ? [...result.steps, step] : result.steps.map((s, i) => (i === at ? step : s));
  return { ...result, steps };
}
