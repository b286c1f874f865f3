import { canonicalJson } from '#domain/canonical-json.ts';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '#domain/errors.ts';
import type { ParsedManifest, RegistryEntry, StoredPolicy, TrafficPolicy } from '#domain/mesh/canonical.ts';
import type { KubeObject } from '#domain/mesh/kube-resources.ts';
import { parseManifest, RESERVED_POLICY_NAMES } from '#domain/mesh/manifest-parse.ts';
import type { RenderedSet } from '#domain/mesh/rendering.ts';
import type { Caller, MeshPorts } from '#ports/ports.ts';
import { recordedChange } from '#use-cases/recorded-change.ts';
import { applyObjects, preflight, pruneObjects, readLive, refuseForeign, type ServiceTarget } from './apply-objects.ts';
import type { ApplyResult, ApplyStep, ObjectChange } from './apply-result.ts';
import { syncBreakerAlarm } from './mesh-alarm.ts';
import { reconcileService, renderFor, targetOf } from './reapply.ts';

/** The TrafficPolicies in force, by name. */
export async function listPolicies(ports: Pick<MeshPorts, 'meshStore'>): Promise<StoredPolicy[]> {
  return ports.meshStore.list('policy');
}

/** POST /policies and `hms sys apply policies/…`: a TrafficPolicy file (any accepted format of one). */
export async function applyPolicy(ports: MeshPorts, caller: Caller, text: string, options: { dryRun: boolean; contentType?: string }): Promise<ApplyResult> {
  const { defaultNamespace, managedNamespaces } = ports.meshConfig;
  const parsed = parseManifest(text, { defaultNamespace, managedNamespaces, ...(options.contentType ? { contentType: options.contentType } : {}) });
  if (parsed.document.kind !== 'TrafficPolicy') {
    throw new ValidationError(`POST /policies takes a TrafficPolicy; this file is a ${parsed.document.kind}: send it to POST /manifests`, 'kind');
  }
  return applyParsedPolicy(ports, caller, parsed, options);
}

async function registered(ports: MeshPorts, name: string, field: string, role: string): Promise<RegistryEntry> {
  const entry = await ports.meshStore.get('service', name);
  if (!entry) throw new UnprocessableError('unknown_service', `the policy's ${role} ${name} is not registered in the mesh: apply its manifest first`, field);
  return entry;
}

/**
 * A TrafficPolicy applied live: it renders into its destination's objects (a route for callers
 * labelled app=<source>, the connection pool, the breaker alarm), which are server-side applied
 * with no pod replaced. Source and destination must be registered (422 naming spec.source or
 * spec.destination); policy names are unique across namespaces (409 name_taken). A policy whose
 * destination changed re-renders its old destination too, without it. Every rendering is checked
 * (preflight) before the first write, and the policy is stored only after its objects were
 * applied: a refusal stores nothing, and a process killed between the apply and the store leaves
 * the store as it was (the next render of the destination follows the store; the client's retry
 * finishes the job).
 */
export async function applyParsedPolicy(ports: MeshPorts, caller: Caller, parsed: ParsedManifest, options: { dryRun: boolean }): Promise<ApplyResult> {
  const policy = parsed.document as TrafficPolicy;
  const name = policy.metadata.name;
  const source = await registered(ports, policy.spec.source, 'spec.source', 'source');
  const destination = await registered(ports, policy.spec.destination, 'spec.destination', 'destination');
  const stored = await ports.meshStore.get('policy', name);
  if (stored && stored.policy.metadata.namespace !== policy.metadata.namespace) {
    throw new ConflictError(
      `TrafficPolicy ${name} exists in namespace ${stored.policy.metadata.namespace}; policy names are unique across namespaces, so this one needs another name`,
      'metadata.name',
      'name_taken',
    );
  }
  const others = (await ports.meshStore.list('policy')).filter((p) => p.name !== name).map((p) => p.policy);
  const inForce = [...others, policy];
  const main = await planFor(ports, destination, inForce);
  const plans = [main];
  const moved =
    stored && stored.policy.spec.destination !== policy.spec.destination ? await ports.meshStore.get('service', stored.policy.spec.destination) : null;
  if (moved) plans.push(await planFor(ports, moved, inForce));
  for (const plan of plans) await preflight(ports, plan.target, plan.rendered.objects, plan.live);

  const why = `TrafficPolicy ${name} (${policy.spec.source} → ${policy.spec.destination}) applied by ${caller.actor}`;
  const unchanged = stored !== null && canonicalJson(stored.policy) === canonicalJson(JSON.parse(JSON.stringify(policy)));
  const { objects, steps: applied } = await applyPlans(ports, caller, plans, { dryRun: options.dryRun, why });
  if (!options.dryRun && !unchanged) {
    const record: StoredPolicy = { name, policy, appliedAt: ports.clock.now().toISOString(), appliedBy: caller.actor, version: (stored?.version ?? 0) + 1 };
    const moveReason = moved ? [`its destination moved from ${moved.name}, whose objects no longer carry it`] : [];
    const plan = {
      action: stored ? 'mesh.policy.update' : 'mesh.policy.create',
      target: `mesh-policy/${name}`,
      before: stored,
      after: record,
      outcome: 'success' as const,
      reasons: [
        `${policy.spec.source} → ${policy.spec.destination}, applied live to ${policy.spec.destination}'s objects`,
        ...moveReason,
        ...main.rendered.reasons,
      ],
      serviceName: destination.name,
      probe: { kind: 'mesh-record' as const, record: 'policy' as const, name, version: record.version },
    };
    await recordedChange(ports, caller, plan, () => ports.meshStore.put('policy', record, stored?.version ?? null));
  }
  if (!options.dryRun) objects.push(...(await settleDestinations(ports, caller, plans, why)));
  const text = options.dryRun ? `TrafficPolicy ${name} checked (dry run: not stored)` : `TrafficPolicy ${name} ${unchanged ? 'unchanged' : 'stored'}`;
  return {
    kind: 'TrafficPolicy',
    format: parsed.format,
    name,
    namespace: policy.metadata.namespace,
    dryRun: options.dryRun,
    steps: [{ ok: true, text }, ...applied, ...(await syncAlarms(ports, plans, options.dryRun))],
    objects,
    meshUrl: destination.meshUrl,
    entry: destination,
    reasons: [`caller ${source.name} (namespace ${source.namespace}) → ${destination.name} (namespace ${destination.namespace})`, ...main.rendered.reasons],
  };
}

/** What DELETE /policies/{name} did: the destination re-rendered without the policy, then the policy removed. */
export interface PolicyDeleteResult {
  name: string;
  destination: string;
  dryRun: boolean;
  steps: ApplyStep[];
  objects: ObjectChange[];
  reasons: string[];
}

/**
 * DELETE /policies/{name} and `hms-sys policy delete NAME`: the destination is re-rendered without
 * the policy and applied (route, connection limit, allowance and breaker alarm go), and only then
 * is the policy deleted from the store, under its audit intent; a process killed between leaves it
 * stored, so a retry (or the next render) finds it. 404 naming `name` when there is no such policy.
 */
export async function deletePolicy(ports: MeshPorts, caller: Caller, name: string, options: { dryRun: boolean }): Promise<PolicyDeleteResult> {
  // API Gateway (and the sandbox) route DELETE /policies/pause here, as {name} = pause: no policy has that name (the parser refuses it).
  if (RESERVED_POLICY_NAMES.includes(name))
    throw new ValidationError(
      'DELETE /policies/pause needs the paused service: DELETE /policies/pause/{service} resumes it (hms-sys resume SERVICE)',
      'service',
      'missing_service',
    );
  const stored = await ports.meshStore.get('policy', name);
  if (!stored) throw new NotFoundError(`TrafficPolicy ${name} in force`, 'name');
  const destinationName = stored.policy.spec.destination;
  const others = (await ports.meshStore.list('policy')).filter((p) => p.name !== name).map((p) => p.policy);
  const destination = await ports.meshStore.get('service', destinationName);
  const plans = destination ? [await planFor(ports, destination, others)] : [];
  for (const plan of plans) await preflight(ports, plan.target, plan.rendered.objects, plan.live);
  const why = `TrafficPolicy ${name} (${stored.policy.spec.source} → ${destinationName}) deleted by ${caller.actor}`;
  const { objects, steps } = await applyPlans(ports, caller, plans, { dryRun: options.dryRun, why });
  // The breaker alarm goes before the record does: a retry after a crash finds no policy (404) to finish with.
  steps.push(...(await syncAlarms(ports, plans, options.dryRun)));
  if (!options.dryRun) {
    const plan = {
      action: 'mesh.policy.delete',
      target: `mesh-policy/${name}`,
      before: stored,
      after: null,
      outcome: 'success' as const,
      reasons: [why, destination ? `${destinationName}'s objects no longer carry it` : `${destinationName} is no longer registered: no object to change`],
      serviceName: destinationName,
      probe: { kind: 'mesh-record' as const, record: 'policy' as const, name, version: stored.version, deleted: true },
    };
    await recordedChange(ports, caller, plan, () => ports.meshStore.delete('policy', name, stored.version));
    objects.push(...(await settleDestinations(ports, caller, plans, why)));
  }
  return {
    name,
    destination: destinationName,
    dryRun: options.dryRun,
    steps: [{ ok: true, text: options.dryRun ? `TrafficPolicy ${name} would be deleted (dry run)` : `TrafficPolicy ${name} deleted` }, ...steps],
    objects,
    reasons: [why],
  };
}

interface DestinationPlan {
  target: ServiceTarget;
  rendered: RenderedSet;
  live: (KubeObject | null)[];
}

/** A destination rendered with the policies that will be in force, its live objects read and checked for foreign ones. */
async function planFor(ports: MeshPorts, entry: RegistryEntry, policies: TrafficPolicy[]): Promise<DestinationPlan> {
  const target = targetOf(entry);
  const rendered = await renderFor(ports, entry.manifest, { policies });
  const live = await readLive(ports, target.cluster, rendered.objects);
  refuseForeign(target.service, rendered.objects, live);
  return { target, rendered, live };
}

/** Applies and prunes each destination's rendering and syncs its breaker alarm, with a step for each. */
async function applyPlans(ports: MeshPorts, caller: Caller, plans: DestinationPlan[], options: { dryRun: boolean; why: string }) {
  const objects: ObjectChange[] = [];
  const steps: ApplyStep[] = [];
  for (const { target, rendered, live } of plans) {
    const done = await applyObjects(ports, caller, target, rendered.objects, live, options);
    done.push(...(await pruneObjects(ports, caller, target, rendered.objects, options)));
    objects.push(...done);
    const changed = done.filter((o) => o.action !== 'unchanged').map((o) => `${o.ref.kind} ${o.action}`);
    steps.push({
      ok: true,
      text: `${options.dryRun ? 'Would apply' : 'Applied'} live to ${target.service}: ${changed.length > 0 ? changed.join(', ') : 'every object unchanged'} (no pod restarted)`,
    });
  }
  return { objects, steps };
}

/**
 * After the store: each destination rendered again from what is now stored, until what it rendered
 * from did not move (reapply.ts reconcileService). Two policies stored at once for one destination
 * each applied a rendering without the other; whichever settles last renders both. Returns the
 * objects this changed (none when nothing else was stored meanwhile).
 */
async function settleDestinations(ports: MeshPorts, caller: Caller, plans: DestinationPlan[], why: string): Promise<ObjectChange[]> {
  const changed: ObjectChange[] = [];
  for (const plan of plans) {
    if (!(await ports.meshStore.get('service', plan.target.service))) continue;
    const pass = await reconcileService(ports, plan.target.service, caller, { dryRun: false, why });
    changed.push(...pass.objects.filter((o) => o.action !== 'unchanged'));
    // The breaker alarm follows the settled rendering too (syncAlarms reads the plan).
    plan.rendered = pass.rendered;
    await syncBreakerAlarm(ports, plan.target, pass.rendered.breakerAlarm, false);
  }
  return changed;
}

/** Each destination's breaker alarm as its rendering says: after the store, so no alarm outlives a policy that was never stored. */
async function syncAlarms(ports: MeshPorts, plans: DestinationPlan[], dryRun: boolean): Promise<ApplyStep[]> {
  const steps: ApplyStep[] = [];
  for (const { target, rendered } of plans) {
    const alarm = await syncBreakerAlarm(ports, target, rendered.breakerAlarm, dryRun);
    if (alarm) steps.push(alarm);
  }
  return steps;
}
