/**
 * The sandbox's local mesh data plane (shared/adapters/local/mesh-data-plane): started beside the
 * simulator, reading the objects hms-sys applied from it over HTTPS with the sandbox's token and CA,
 * feeding each destination's answers into the sandbox CloudWatch once a second for the errorPercent
 * breaker alarm (breakerTelemetry), and serving two sandbox routes:
 * - GET /sandbox/mesh/config: the proxy and metrics URLs, every object the data plane enforces with
 *   its generation and when it began enforcing it, ejected pods and the pods' servers;
 * - POST /sandbox/mesh/pods {pod, latencyMs?, errorRate?, fail?, recover?}: a pod's behaviour.
 */
import * as z from 'zod/mini';
import type { LocalAlarmEvaluator } from '#adapters/local/local-alarm-evaluator.ts';
import { type DataPlane, startDataPlane } from '#adapters/local/mesh-data-plane/data-plane.ts';
import { NotFoundError, ValidationError } from '#domain/errors.ts';
import { breakerTelemetry } from '#domain/mesh/breaker-alarm.ts';
import { parseInput } from '#domain/validation.ts';
import { knownErrorAnswer } from '#functions/http/error-table.ts';
import { readBody } from '#functions/http/http.ts';
import type { Clock } from '#ports/clock.ts';
import type { SandboxRoute } from './api-server.ts';

export interface MeshDataPlaneSandboxOptions {
  kube: { url: string; caData: string; token: string };
  clock: Clock;
  alarms: LocalAlarmEvaluator;
  /** The cluster name in the breaker alarm's dimensions (MeshConfig.defaultCluster). */
  cluster: string;
  /** 15001 and 15090 by default; a taken port falls back to a free one (GET /sandbox/mesh/config says which). */
  proxyPort?: number;
  statsPort?: number;
}

export interface MeshDataPlaneSandbox {
  dataPlane: DataPlane;
  routes: Record<string, SandboxRoute>;
  close(): Promise<void>;
}

const podChangeSchema = z.strictObject({
  pod: z.string().check(z.minLength(1)),
  latencyMs: z.optional(z.int().check(z.minimum(0), z.maximum(600_000))),
  errorRate: z.optional(z.number().check(z.minimum(0), z.maximum(1))),
  fail: z.optional(z.boolean()),
  recover: z.optional(z.boolean()),
});

/** The sandbox routes the data plane adds, with their scopes (the README lists them). */
export const MESH_DATA_PLANE_ROUTES = { 'GET /sandbox/mesh/config': 'hms/mesh.read', 'POST /sandbox/mesh/pods': 'hms/mesh.write' } as const;

export async function startMeshDataPlaneSandbox(options: MeshDataPlaneSandboxOptions): Promise<MeshDataPlaneSandbox> {
  const dataPlane = await startDataPlane({
    kube: options.kube,
    clock: options.clock,
    ...(options.proxyPort === undefined ? {} : { proxyPort: options.proxyPort }),
    ...(options.statsPort === undefined ? {} : { statsPort: options.statsPort }),
  });
  const stopFeed = dataPlane.telemetry.onWindow((windows) => {
    for (const w of windows) {
      const target = { cluster: options.cluster, namespace: w.namespace, service: w.service };
      for (const datum of breakerTelemetry(target, { answers: w.requests, serverErrors: w.errors5xx }, w.windowEnd)) options.alarms.ingest(datum);
    }
  });
  const answer = async (work: () => Promise<unknown>) => {
    try {
      return { status: 200, body: await work() };
    } catch (err) {
      const known = knownErrorAnswer(err);
      if (known) return known;
      throw err;
    }
  };
  const routes: Record<string, SandboxRoute> = {
    'GET /sandbox/mesh/config': {
      scope: MESH_DATA_PLANE_ROUTES['GET /sandbox/mesh/config'],
      run: () =>
        answer(async () => ({
          proxy: dataPlane.proxyUrl,
          metrics: dataPlane.statsUrl,
          ...dataPlane.config.status(),
          ejected: dataPlane.proxy.ejections(),
          pods: dataPlane.pods.list(),
        })),
    },
    'POST /sandbox/mesh/pods': {
      scope: MESH_DATA_PLANE_ROUTES['POST /sandbox/mesh/pods'],
      run: ({ body }) =>
        answer(async () => {
          const change = parseInput(podChangeSchema, readBody({ body, isBase64Encoded: false }));
          if (change.fail && change.recover) throw new ValidationError('give fail or recover, not both', 'recover');
          const view = await dataPlane.pods.set(change.pod, change);
          if (!view) throw new NotFoundError(`a Ready meshed pod named ${change.pod}`, 'pod');
          return view;
        }),
    },
  };
  return {
    dataPlane,
    routes,
    close: async () => {
      stopFeed();
      await dataPlane.close();
    },
  };
}
