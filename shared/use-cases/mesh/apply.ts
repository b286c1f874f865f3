import { canonicalJson } from '#domain/canonical-json.ts';
import { ConflictError, UnprocessableError } from '#domain/errors.ts';
import { type ManifestFormat, type MeshService, meshUrlOf, type ParsedManifest } from '#domain/mesh/canonical.ts';
import { parseManifest } from '#domain/mesh/manifest-parse.ts';
import type { Caller, MeshPorts } from '#ports/ports.ts';
import { claimEntry, finishApply } from './apply-claim.ts';
import { applyObjects, pruneObjects, readLive, refOf, refuseForeign, type ServiceTarget } from './apply-objects.ts';
import type { ApplyResult, ApplyStep, ObjectChange } from './apply-result.ts';
import { podsStep, refuseOtherWorkload, ruleInputOf, scaleToMin } from './deploy-workload.ts';
import { applyParsedPolicy } from './policies.ts';
import { renderFor } from './reapply.ts';

export { applyPolicy } from './policies.ts';

export interface ApplyOptions {
  dryRun: boolean;
  /** The request's Content-Type, when the file came over HTTP. */
  contentType?: string;
}

/** Where each format writes the service's name, for errors that concern it. */
export function nameField(format: ManifestFormat): string {
  if (format === 'chapter-12-service') return 'name';
  if (format === 'chapter-10-mesh') return 'service.name';
  return 'metadata.name';
}

/** One line for what the apply did to the objects, e.g. "Applied 7 objects: 2 created, 1 configured, 4 unchanged". */
export function objectsStep(objects: ObjectChange[], dryRun: boolean): ApplyStep {
  const counts = new Map<string, number>();
  for (const o of objects) counts.set(o.action, (counts.get(o.action) ?? 0) + 1);
  const parts = ['created', 'configured', 'unchanged', 'pruned'].filter((a) => counts.has(a)).map((a) => `${counts.get(a)} ${a}`);
  const applied = objects.filter((o) => o.action !== 'pruned').length;
  return { ok: true, text: `${dryRun ? 'Dry run, nothing stored: would apply' : 'Applied'} ${applied} objects (${parts.join(', ')})` };
}

/** What the mTLS mode means, without claiming a certificate hms-sys did not issue. */
export function mtlsStep(manifest: MeshService): ApplyStep {
  return manifest.spec.mtls === 'STRICT'
    ? { ok: true, text: "mTLS STRICT: certificates are issued and rotated by Istio's CA (24 h, rotated at half-life); hms-sys issues none" }
    : { ok: true, text: 'mTLS PERMISSIVE: plain-text calls are accepted too (the file says mTLS: permissive)' };
}

/**
 * POST /manifests, `hms-sys deploy` and `hms-sys apply`: a service manifest in any accepted format
 * (a TrafficPolicy goes to applyPolicy). Everything is parsed, rendered, validated and checked
 * against the cluster before the first write; then the objects are applied and pruned, the
 * workload is registered with its autoscale rule and raised to scaling.min, the registry entry is
 * stored, and the breaker alarm follows. Each write is idempotent and audited, so a replay after a
 * crash at any point finishes the job and a second apply changes nothing.
 */
export async function applyManifest(ports: MeshPorts, caller: Caller, text: string, options: ApplyOptions): Promise<ApplyResult> {
  const { defaultNamespace, managedNamespaces } = ports.meshConfig;
  const parsed = parseManifest(text, { defaultNamespace, managedNamespaces, ...(options.contentType ? { contentType: options.contentType } : {}) });
  if (parsed.document.kind === 'TrafficPolicy') return applyParsedPolicy(ports, caller, parsed, options);
  return deployService(ports, caller, parsed, options);
}

async function deployService(ports: MeshPorts, caller: Caller, parsed: ParsedManifest, options: ApplyOptions): Promise<ApplyResult> {
  const manifest = parsed.document as MeshService;
  const { name, namespace } = manifest.metadata;
  const existing = await ports.meshStore.get('service', name);
  const cluster = existing?.cluster ?? ports.meshConfig.defaultCluster;
  if (!ports.knownClusters.includes(cluster)) {
    throw new UnprocessableError('unknown_cluster', `cluster ${cluster} is not managed here; known clusters: ${ports.knownClusters.join(', ')}`, null);
  }
  if (existing && existing.namespace !== namespace) {
    throw new ConflictError(
      `service ${name} is registered in namespace ${existing.namespace}; registry names are unique across namespaces, so this one needs another name`,
      nameField(parsed.format),
      'name_taken',
    );
  }
  const target: ServiceTarget = { cluster, service: name, namespace };
  const rendered = await renderFor(ports, manifest);
  const live = await readLive(ports, cluster, rendered.objects);
  refuseForeign(name, rendered.objects, live);
  const deployment = rendered.objects.some((o) => o.kind === 'Deployment');
  if (deployment) {
    await refuseOtherWorkload(ports, target, nameField(parsed.format));
    ruleInputOf(manifest, parsed.format === 'chapter-12-service' ? 'scaling' : 'spec.scaling');
  }

  const why = `${parsed.format} manifest ${name} applied by ${caller.actor}`;
  const serviceUrl = `http://${name}.mesh${manifest.spec.routes[0]?.path ?? '/'}`;
  const base = {
    kind: 'MeshService' as const,
    format: parsed.format,
    name,
    namespace,
    dryRun: options.dryRun,
    serviceUrl,
    meshUrl: meshUrlOf(name, manifest.spec.port),
  };
  if (options.dryRun) {
    const objects = [...(await applyObjects(ports, caller, target, rendered.objects, live, { dryRun: true, why }))];
    objects.push(...(await pruneObjects(ports, caller, target, rendered.objects, { dryRun: true, why })));
    return { ...base, steps: [objectsStep(objects, true)], objects, reasons: rendered.reasons };
  }

  // The claim comes before the first cluster write: a concurrent apply of another namespace loses
  // here (409 name_taken) with nothing applied; of the same namespace, the last claim is what every
  // apply renders when it finishes (apply-claim.ts), so the cluster, rule and registry agree.
  await claimEntry(ports, caller, target, manifest, rendered.objects.map(refOf), existing, nameField(parsed.format));
  const finished = await finishApply(ports, caller, name, why);
  if (canonicalJson(finished.entry.manifest) !== canonicalJson(manifest)) {
    throw new ConflictError(
      `another apply of ${name} (by ${finished.entry.appliedBy} at ${finished.entry.appliedAt}) replaced this one while it ran: the cluster, its autoscale rule and the registry hold that manifest; apply again to make this one the latest`,
      nameField(parsed.format),
      'apply_superseded',
    );
  }
  const steps: ApplyStep[] = [{ ok: true, text: 'Registered in service mesh' }, objectsStep(finished.objects, false), ...finished.steps, mtlsStep(manifest)];
  if (deployment) {
    const scaled = manifest.spec.scaling ? await scaleToMin(ports, caller, target, manifest.spec.scaling.min) : undefined;
    if (scaled) steps.push(scaled);
    steps.push(await podsStep(ports, target, manifest.spec.image));
  }
  return { ...base, steps, objects: finished.objects, entry: finished.entry, reasons: finished.rendered.reasons };
}
