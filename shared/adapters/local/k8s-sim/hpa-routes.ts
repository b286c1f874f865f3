/** The HorizontalPodAutoscaler routes: list, create, get and merge-patch HPAs. */
import { isDryRun, preview } from './dry-run.ts';
import { renderHpa, renderList } from './render.ts';
import {
  alreadyExists,
  applyPatch,
  hpaSpec,
  metadataFilter,
  nameIn,
  notFound,
  objectBody,
  page,
  type SimRequest,
  type SimResponse,
} from './request-parsing.ts';
import type { SimHpa, SimState } from './state.ts';
import { hpaPrinter, renderTable, tableVersion } from './tables.ts';

export function listHpas(state: SimState, req: SimRequest, ns: string): SimResponse {
  return hpaList(state, req, state.hpasIn(ns));
}

export function listAllHpas(state: SimState, req: SimRequest): SimResponse {
  return hpaList(state, req, state.allHpas());
}

function hpaList(state: SimState, req: SimRequest, hpas: SimHpa[]): SimResponse {
  const table = tableVersion(req);
  const { items, continueToken } = page(hpas.filter(metadataFilter(req.query)), req.query);
  if (table) return { status: 200, body: renderTable(state, req, table, hpaPrinter, items, continueToken) };
  const rendered = items.map((h) => renderHpa(state, h));
  return { status: 200, body: renderList('HorizontalPodAutoscalerList', 'autoscaling/v2', state.resourceVersion, rendered, continueToken) };
}

export function createHpa(state: SimState, req: SimRequest, ns: string): SimResponse {
  const body = objectBody(req);
  const name = nameIn(body, ns);
  if (state.hpa(ns, name)) throw alreadyExists('horizontalpodautoscalers.autoscaling', name);
  const spec = hpaSpec(body, name);
  const seed = { namespace: ns, name, ...spec };
  const created = isDryRun(req) ? preview({ ...seed, desiredReplicas: spec.minReplicas }) : state.addHpa(seed);
  return { status: 201, body: renderHpa(state, created) };
}

export function getHpa(state: SimState, req: SimRequest, ns: string, name: string): SimResponse {
  const hpa = existingHpa(state, ns, name);
  const table = tableVersion(req);
  if (table) return { status: 200, body: renderTable(state, req, table, hpaPrinter, [hpa]) };
  return { status: 200, body: renderHpa(state, hpa) };
}

export function patchHpa(state: SimState, req: SimRequest, ns: string, name: string): SimResponse {
  const hpa = existingHpa(state, ns, name);
  const merged = applyPatch(req, renderHpa(state, hpa), hpa, 'horizontalpodautoscalers.autoscaling');
  const change = hpaSpec(merged, name);
  if (isDryRun(req)) return { status: 200, body: renderHpa(state, { ...hpa, ...change }) };
  state.updateHpa(hpa, change);
  return { status: 200, body: renderHpa(state, hpa) };
}

function existingHpa(state: SimState, ns: string, name: string): SimHpa {
  const hpa = state.hpa(ns, name);
  if (!hpa) throw notFound('horizontalpodautoscalers.autoscaling', name);
  return hpa;
}
