import { canonicalJson } from '#domain/canonical-json.ts';
import { ConflictError } from '#domain/errors.ts';
import { clusterDnsOf, type MeshService, meshUrlOf, type RegistryEntry } from '#domain/mesh/canonical.ts';
import { StaleVersionError } from '#ports/errors.ts';
import type { Caller, MeshPorts } from '#ports/ports.ts';
import { recordedChange } from '#use-cases/recorded-change.ts';
import { refOf, type ServiceTarget } from './apply-objects.ts';
import type { ApplyStep } from './apply-result.ts';
import { ensureService, syncRule } from './deploy-workload.ts';
import { syncBreakerAlarm } from './mesh-alarm.ts';
import { MAX_RECONCILE_PASSES, type ReconcilePass, reconcileService, targetOf } from './reapply.ts';

type EntryFields = Omit<RegistryEntry, 'appliedAt' | 'appliedBy' | 'version' | 'applying'>;

/** What the registry says of a manifest (everything but who, when, the version and the apply marker). */
export function entryFieldsOf(target: ServiceTarget, manifest: MeshService, objects: RegistryEntry['objects'], ruleId?: string): EntryFields {
  const { service: name, namespace } = target;
  return JSON.parse(
    JSON.stringify({
      name,
      namespace,
      cluster: target.cluster,
      ...(manifest.spec.version ? { serviceVersion: manifest.spec.version } : {}),
      port: manifest.spec.port,
      routes: manifest.spec.routes,
      meshUrl: meshUrlOf(name, manifest.spec.port),
      clusterDns: clusterDnsOf(name, namespace),
      mtls: manifest.spec.mtls,
      manifest,
      objects,
      ...(ruleId ? { ruleId } : {}),
    }),
  );
}

const fieldsOf = (entry: RegistryEntry): EntryFields => {
  const { appliedAt: _a, appliedBy: _b, version: _v, applying: _p, ...fields } = entry;
  return fields;
};

/**
 * Claims the name for this manifest before the first cluster write: the entry is stored, as the
 * desired state and marked `applying`, with a conditional write. A concurrent apply that got there
 * first makes this one read again: of another namespace, it is 409 name_taken with nothing written
 * to the cluster; of the same namespace, this manifest claims the newer version (the last claim is
 * what every apply then renders). An identical entry is not written again (returns null).
 */
export async function claimEntry(
  ports: MeshPorts,
  caller: Caller,
  target: ServiceTarget,
  manifest: MeshService,
  objects: RegistryEntry['objects'],
  existing: RegistryEntry | null,
  nameField: string,
): Promise<RegistryEntry | null> {
  let current = existing;
  for (let attempt = 0; attempt < MAX_RECONCILE_PASSES; attempt += 1) {
    if (current && current.namespace !== target.namespace) throw nameTaken(target.service, current.namespace, nameField);
    const fields = entryFieldsOf(target, manifest, objects, current?.ruleId);
    if (current && canonicalJson(fieldsOf(current)) === canonicalJson(fields)) return null;
    const entry: RegistryEntry = {
      ...fields,
      applying: { by: caller.actor, at: ports.clock.now().toISOString() },
      appliedAt: ports.clock.now().toISOString(),
      appliedBy: caller.actor,
      version: (current?.version ?? 0) + 1,
    };
    const before = current;
    const plan = {
      action: before ? 'mesh.service.update' : 'mesh.service.register',
      target: `mesh-service/${target.service}`,
      before,
      after: entry,
      outcome: 'success' as const,
      reasons: [`${target.service} ${before ? 'updated in' : 'registered in'} the mesh registry at ${entry.meshUrl} (${entry.clusterDns})`],
      serviceName: target.service,
      probe: { kind: 'mesh-record' as const, record: 'service' as const, name: target.service, version: entry.version },
      // A lost race wrote nothing: its intent goes, and this apply reads the winner's entry.
      withdrawOnThrow: (err: unknown) => err instanceof StaleVersionError,
    };
    try {
      await recordedChange(ports, caller, plan, () => ports.meshStore.put('service', entry, before?.version ?? null));
      return entry;
    } catch (err) {
      if (!(err instanceof StaleVersionError)) throw err;
      current = await ports.meshStore.get('service', target.service);
    }
  }
  throw new ConflictError(`service ${target.service} is being applied by others at once; apply again`, nameField, 'concurrent_change');
}

function nameTaken(name: string, namespace: string, field: string): ConflictError {
  return new ConflictError(
    `service ${name} is registered in namespace ${namespace}; registry names are unique across namespaces, so this one needs another name`,
    field,
    'name_taken',
  );
}

/** What finishing an apply did, for the steps of the apply that asked. */
export interface FinishedApply extends ReconcilePass {
  steps: ApplyStep[];
}

/**
 * Finishes the apply of whatever manifest the entry holds (level-triggered, reapply.ts
 * reconcileService): renders it with what is stored around it, applies and prunes, registers the
 * workload and syncs its autoscale rule and breaker alarm, then clears the `applying` marker with a
 * write conditional on the version it rendered from. A newer claim (or a policy, pause or breaker
 * stored meanwhile) means another pass from the latest, so the cluster, the rule and the registry
 * end on one manifest. The next apply or the mesh tick calls it for an entry left marked.
 */
export async function finishApply(ports: MeshPorts, caller: Caller, name: string, why: string): Promise<FinishedApply> {
  let steps: ApplyStep[] = [];
  const pass = await reconcileService(ports, name, caller, { dryRun: false, why }, async ({ entry, rendered }) => {
    steps = [];
    const target = targetOf(entry);
    let ruleId = entry.ruleId;
    if (rendered.objects.some((o) => o.kind === 'Deployment')) {
      // Another apply registering the service or moving its rule at the same moment: render again from the store.
      const rule = await ensureService(ports, caller, target)
        .then(() => syncRule(ports, caller, entry.manifest))
        .catch((err: unknown) => {
          if (err instanceof ConflictError) return null;
          throw err;
        });
      if (!rule) return null;
      ruleId = rule.ruleId;
      if (rule.step) steps.push(rule.step);
    }
    const alarm = await syncBreakerAlarm(ports, target, rendered.breakerAlarm, false);
    if (alarm) steps.push(alarm);
    const fields = entryFieldsOf(target, entry.manifest, rendered.objects.map(refOf), ruleId);
    if (!entry.applying && canonicalJson(fieldsOf(entry)) === canonicalJson(fields)) return entry.version;
    const done: RegistryEntry = { ...fields, appliedAt: entry.appliedAt, appliedBy: entry.appliedBy, version: entry.version + 1 };
    try {
      await ports.meshStore.put('service', done, entry.version);
      return done.version;
    } catch (err) {
      if (err instanceof StaleVersionError) return null;
      throw err;
    }
  });
  return { ...pass, steps };
}

/** The mesh tick's part: every entry a killed apply left marked `applying` is finished. */
export async function finishPendingApplies(ports: MeshPorts, caller: Caller): Promise<string[]> {
  const finished: string[] = [];
  for (const entry of await ports.meshStore.list('service')) {
    if (!entry.applying) continue;
    await finishApply(ports, caller, entry.name, `apply of ${entry.name} by ${entry.applying.by} at ${entry.applying.at} finished by the mesh tick`);
    finished.push(entry.name);
  }
  return finished;
}
