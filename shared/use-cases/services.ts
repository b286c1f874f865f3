import { ConflictError, NotFoundError, UnprocessableError } from '#domain/errors.ts';
import type { Service } from '#domain/model.ts';
import type { CreateServiceInput } from '#domain/schemas.ts';
import type { Caller, Ports } from '#ports/ports.ts';
import { orConflict } from './conflicts.ts';
import { record } from './record.ts';

export interface Mutation {
  dryRun: boolean;
}

export async function createService(ports: Ports, caller: Caller, input: CreateServiceInput, options: Mutation) {
  if (!ports.knownClusters.includes(input.cluster)) {
    throw new UnprocessableError('unknown_cluster', `cluster ${input.cluster} is not managed here; known clusters: ${ports.knownClusters.join(', ')}`, 'cluster');
  }
  const existing = await ports.store.getService(input.name);
  if (existing) throw new ConflictError(`service ${input.name} already exists`, 'name');
  const service: Service = { ...input, createdAt: ports.clock.now().toISOString(), version: 1 };
  if (options.dryRun) return { dryRun: true, wouldCreate: service };
  await orConflict(() => ports.store.putService(service, null), `service ${input.name}`, 'name', `service ${input.name} already exists`);
  await record(ports, caller, {
    action: 'service.create', target: `service/${service.name}`, before: null, after: service,
    outcome: 'success', reasons: [`registered ${service.namespace}/${service.deployment} on cluster ${service.cluster}`], service,
  });
  return service;
}

export async function getService(ports: Pick<Ports, 'store'>, name: string, field = 'name'): Promise<Service> {
  const service = await ports.store.getService(name);
  if (!service) throw new NotFoundError(`service ${name}`, field);
  return service;
}

export async function deleteService(ports: Ports, caller: Caller, name: string, options: Mutation) {
  const service = await getService(ports, name);
  const rules = (await ports.store.listRules()).filter((r) => r.service === name);
  if (rules.length > 0) {
    throw new ConflictError(`service ${name} is targeted by ${rules.map((r) => r.ruleId).join(', ')}: delete those rules first`, 'name');
  }
  if (options.dryRun) return { dryRun: true, wouldDelete: service };
  await orConflict(() => ports.store.deleteService(name, service.version), `service ${name}`, 'name');
  await record(ports, caller, {
    action: 'service.delete', target: `service/${name}`, before: service, after: null,
    outcome: 'success', reasons: ['removed from the registry'], service,
  });
  return { deleted: name };
}
