import { canonicalJson } from '#domain/canonical-json.ts';
import { UnprocessableError, ValidationError } from '#domain/errors.ts';
import type { ParsedManifest, RegistryEntry, StoredPolicy, TrafficPolicy } from '#domain/mesh/canonical.ts';
import { parseManifest } from '#domain/mesh/manifest-parse.ts';
import type { Caller, MeshPorts } from '#ports/ports.ts';
import { recordedChange } from '#use-cases/recorded-change.ts';
import { applyObjects, pruneObjects, readLive, refuseForeign } from './apply-objects.ts';
import type { ApplyResult, ApplyStep } from './apply-result.ts';
import { syncBreakerAlarm } from './mesh-alarm.ts';
import { renderFor, targetOf } from './reapply.ts';

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
 * spec.destination); the rendering is validated and every object checked before the policy is
 * stored, and a replay after a crash finds the stored policy and finishes the apply.
 */
export async function applyParsedPolicy(ports: MeshPorts, caller: Caller, parsed: ParsedManifest, options: { dryRun: boolean }): Promise<ApplyResult> {
  const policy = parsed.document as TrafficPolicy;
  const name = policy.metadata.name;
  const source = await registered(ports, policy.spec.source, 'spec.source', 'source');
  const destination = await registered(ports, policy.spec.destination, 'spec.destination', 'destination');
  const stored = await ports.meshStore.get('policy', name);
  const others = (await ports.meshStore.list('policy')).filter((p) => p.name !== name).map((p) => p.policy);
  const target = targetOf(destination);
  const rendered = await renderFor(ports, destination.manifest, { policies: [...others, policy] });
  const live = await readLive(ports, target.cluster, rendered.objects);
  refuseForeign(target.service, rendered.objects, live);

  const steps: ApplyStep[] = [];
  const unchanged = stored !== null && canonicalJson(stored.policy) === canonicalJson(JSON.parse(JSON.stringify(policy)));
  if (!options.dryRun && !unchanged) {
    const record: StoredPolicy = { name, policy, appliedAt: ports.clock.now().toISOString(), appliedBy: caller.actor, version: (stored?.version ?? 0) + 1 };
    const plan = {
      action: stored ? 'mesh.policy.update' : 'mesh.policy.create',
      target: `mesh-policy/${name}`,
      before: stored,
      after: record,
      outcome: 'success' as const,
      reasons: [`${policy.spec.source} → ${policy.spec.destination}, applied live to ${policy.spec.destination}'s objects`, ...rendered.reasons],
      serviceName: target.service,
      probe: { kind: 'mesh-record' as const, record: 'policy' as const, name, version: record.version },
    };
    await recordedChange(ports, caller, plan, () => ports.meshStore.put('policy', record, stored?.version ?? null));
  }
  steps.push({
    ok: true,
    text: options.dryRun ? `TrafficPolicy ${name} checked (dry run: not stored)` : `TrafficPolicy ${name} ${unchanged ? 'unchanged' : 'stored'}`,
  });
  const why = `TrafficPolicy ${name} (${policy.spec.source} → ${policy.spec.destination}) applied by ${caller.actor}`;
  const objects = await applyObjects(ports, caller, target, rendered.objects, live, { dryRun: options.dryRun, why });
  objects.push(...(await pruneObjects(ports, caller, target, rendered.objects, { dryRun: options.dryRun, why })));
  const changed = objects.filter((o) => o.action !== 'unchanged').map((o) => `${o.ref.kind} ${o.action}`);
  steps.push({
    ok: true,
    text: `${options.dryRun ? 'Would apply' : 'Applied'} live to ${target.service}: ${changed.length > 0 ? changed.join(', ') : 'every object unchanged'} (no pod restarted)`,
  });
  const alarm = await syncBreakerAlarm(ports, target, rendered.breakerAlarm, options.dryRun);
  if (alarm) steps.push(alarm);
  return {
    kind: 'TrafficPolicy',
    format: parsed.format,
    name,
    namespace: policy.metadata.namespace,
    dryRun: options.dryRun,
    steps,
    objects,
    meshUrl: destination.meshUrl,
    entry: destination,
    reasons: [`caller ${source.name} (namespace ${source.namespace}) → ${destination.name} (namespace ${destination.namespace})`, ...rendered.reasons],
  };
}
