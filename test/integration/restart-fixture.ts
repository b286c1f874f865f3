import type { Sandbox, SandboxOptions } from '#sandbox/sandbox.ts';
import type { HttpAnswer } from './sandbox-fixture.ts';

/**
 * Options for a test that stops a sandbox and starts another on the same data folder: short
 * delays, and every periodic timer an hour apart, so nothing runs on its own during the test.
 */
export function restartOptions(dataDir: string, extra: SandboxOptions = {}): SandboxOptions {
  return {
    dataDir,
    podReadyDelayMs: 20,
    retryDelayMs: 5,
    clusterTimeoutMs: 300,
    reconcileSeconds: 3600,
    alarmEvaluationSeconds: 3600,
    meterSeconds: 3600,
    burstTickSeconds: 3600,
    ...extra,
  };
}

/** Calls the sandbox over HTTP with its admin token, as a user would. */
export async function adminHttp(sandbox: Sandbox, method: string, path: string, body?: unknown): Promise<HttpAnswer> {
  const res = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${sandbox.tokens.admin}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** The rule the restart tests create and then look for: eligibility-api at 4 to 20 replicas, out above 500 rps, in below 200. */
export const SCALING_RULE = {
  service: 'eligibility-api',
  minReplicas: 4,
  maxReplicas: 20,
  trigger: { metric: 'http_rps', threshold: 500 },
  scaleInThreshold: 200,
};
