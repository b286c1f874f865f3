import { afterAll, beforeAll } from 'vitest';
import type { CreateRuleInput } from '#domain/schemas.ts';
import { type Sandbox, type SandboxOptions, startSandbox } from '#sandbox/sandbox.ts';

export interface HttpAnswer {
  status: number;
  body: any;
}

export interface Fixture {
  sandbox: Sandbox;
  /** Calls the sandbox over HTTP as a user would; the admin token unless another is given. */
  http(method: string, path: string, body?: unknown, token?: string | null): Promise<HttpAnswer>;
  /** Registers a service for a seeded Deployment. */
  service(name: string, namespace?: string, deployment?: string): Promise<HttpAnswer>;
  /** Creates an autoscale rule, throwing unless the answer is 201; answers the rule as stored. */
  rule(input: CreateRuleInput): Promise<HttpAnswer['body']>;
  /** Pushes a datapoint and waits for its alarms' evaluation and every delivery it caused. */
  metric(service: string, metric: string, value: number): Promise<void>;
  /** spec.replicas as of the sandbox clock's now (the simulator catches up first, as on any request). */
  replicas(namespace: string, deployment: string): number | undefined;
}

/** Starts one sandbox per test file, with short delays, and stops it afterwards. */
export function useSandbox(options: SandboxOptions = {}): Fixture {
  const fixture = {} as Fixture;
  beforeAll(async () => {
    const sandbox = await startSandbox({
      persistState: false,
      podReadyDelayMs: 20,
      retryDelayMs: 5,
      clusterTimeoutMs: 300,
      reconcileSeconds: 3600,
      alarmEvaluationSeconds: 3600,
      ...options,
    });
    const http = async (method: string, path: string, body?: unknown, token: string | null = sandbox.tokens.admin!) => {
      const res = await fetch(`${sandbox.url}${path}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    };
    Object.assign(fixture, {
      sandbox,
      http,
      service: (name: string, namespace = 'benefits', deployment = name) =>
        http('POST', '/services', {
          name,
          cluster: 'sandbox',
          namespace,
          deployment,
          tags: { agency: 'ED', program: 'FSA', fiscalYear: 'FY2026' },
        }),
      rule: async (input: CreateRuleInput) => {
        const answer = await http('POST', '/autoscale-rules', input);
        if (answer.status !== 201) throw new Error(`rule refused: ${JSON.stringify(answer.body)}`);
        return answer.body;
      },
      metric: async (service: string, metric: string, value: number) => {
        const answer = await http('POST', '/sandbox/metrics', { service, metric, value });
        if (answer.status !== 200) throw new Error(`metric refused: ${JSON.stringify(answer.body)}`);
        // The sandbox answers once the datapoint is stored; wait for the evaluation and the deliveries it starts.
        await sandbox.alarms.settled();
        await sandbox.bus.drain();
      },
      replicas: (namespace: string, deployment: string) => {
        sandbox.k8s.state.advance();
        return sandbox.k8s.state.deployment(namespace, deployment)?.replicas;
      },
    });
  });
  afterAll(async () => {
    await fixture.sandbox?.close();
  });
  return fixture;
}
