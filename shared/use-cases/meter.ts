import { accrueWithClose, FLOOR_EVENT, monthOf, monthStart, newlyCrossed, projectedSpend, THRESHOLD_EVENT, type Usage } from '#domain/budget.ts';
import { podHourPrice } from '#domain/cost.ts';
import type { Budget, Rule, Service } from '#domain/model.ts';
import { StaleVersionError } from '#ports/errors.ts';
import { EVENT_SOURCE, type PublishedEvent } from '#ports/events.ts';
import type { Caller, PublishingPorts } from '#ports/ports.ts';
import { record } from './record.ts';

/** Usage as stored: alerts decided but not yet published wait in the item, so none is lost. */
export type MeteredUsage = Usage & { pendingAlerts?: PublishedEvent[] };

export { FLOOR_EVENT, THRESHOLD_EVENT };

export interface MeterOptions {
  concurrency?: number;
  /** Epoch ms after which no further service is started, so the run ends inside its time limit. */
  startNoneAfter?: number;
}

export interface MeterReport {
  services: number;
  metered: number;
  deferred: number;
  alerts: number;
  errors: Array<{ service: string; error: string }>;
}

interface Context {
  now: Date;
  month: string;
  usage: Map<string, MeteredUsage>;
  budgets: Map<string, Budget>;
  floors: Map<string, number>;
  warming: Set<string>;
}

/**
 * One meter run: reads every service's replicas (plus any warm-up placeholders) and accrues
 * the month's spend; accrual is by elapsed time since the last reading, so a duplicate run adds
 * nothing. Threshold and floor alerts are written into the usage item first, then published,
 * then marked sent: a crash between repeats an alert rather than losing it.
 */
export async function meterUsage(ports: PublishingPorts, caller: Caller, options: MeterOptions = {}): Promise<MeterReport> {
  const now = ports.clock.now();
  const month = monthOf(now);
  const [services, budgets, usage, rules, active] = await Promise.all([
    ports.store.listServices(),
    ports.ledger.listBudgets(),
    ports.ledger.listUsage(month),
    ports.store.listRules(),
    ports.ledger.listActiveBursts(),
  ]);
  const context: Context = {
    now,
    month,
    usage: new Map(usage.map((u) => [u.service, u as MeteredUsage])),
    budgets: new Map(budgets.map((b) => [b.service, b])),
    floors: floorsOf(rules),
    warming: new Set(active.map((a) => a.service)),
  };
  const report: MeterReport = { services: services.length, metered: 0, deferred: 0, alerts: 0, errors: [] };
  const queue = [...services];
  const worker = async () => {
    for (let service = queue.shift(); service; service = queue.shift()) {
      if (options.startNoneAfter !== undefined && Date.now() > options.startNoneAfter) {
        report.deferred += 1;
        continue;
      }
      try {
        report.alerts += await meterService(ports, caller, service, context);
        report.metered += 1;
      } catch (err) {
        report.errors.push({ service: service.name, error: (err as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 16) }, worker));
  return report;
}

function floorsOf(rules: Rule[]): Map<string, number> {
  const floors = new Map<string, number>();
  for (const rule of rules) {
    if (!rule.deleting) floors.set(rule.service, Math.max(floors.get(rule.service) ?? 0, rule.minReplicas));
  }
  return floors;
}

async function meterService(ports: PublishingPorts, caller: Caller, service: Service, context: Context): Promise<number> {
  const workload = await ports.cluster.getWorkload(service);
  const placeholders = context.warming.has(service.name) ? await placeholderReplicas(ports, service) : 0;
  const price = podHourPrice({
    ...(service.podHourUSD === undefined ? {} : { podHourUSD: service.podHourUSD }),
    requests: workload.podRequests,
    region: ports.pricingRegion,
  });
  const previous = context.usage.get(service.name) ?? (await lastMonthUsage(ports, service.name, context.now));
  const reading = { service: service.name, at: context.now, replicas: workload.replicas + placeholders, podHourUSD: price.usd };
  const { usage, closedMonth } = accrueWithClose(previous, reading);
  const sameMonth = previous?.month === usage.month;
  const next: MeteredUsage = { ...usage, pendingAlerts: sameMonth ? [...(previous?.pendingAlerts ?? [])] : [] };
  const budget = context.budgets.get(service.name);
  if (budget) queueAlerts(next, budget, service, context);
  try {
    // Last month's final minutes first, so its total is complete before the new month starts.
    if (closedMonth && previous) await ports.ledger.putUsage(closedMonth, previous.version);
    await ports.ledger.putUsage(next, sameMonth ? previous!.version : null);
  } catch (err) {
    if (err instanceof StaleVersionError) return 0; // another run metered this service just now
    throw err;
  }
  return publishPending(ports, caller, service, next);
}

/** At a month's first reading, last month's item carries the replicas and time to accrue from. */
async function lastMonthUsage(ports: PublishingPorts, service: string, now: Date): Promise<MeteredUsage | null> {
  return ports.ledger.getUsage(service, monthOf(new Date(monthStart(now).getTime() - 1)));
}

/** The placeholder pods a burst holds warm for the service (0 without a placeholder Deployment). */
function placeholderReplicas(ports: PublishingPorts, service: Service): Promise<number> {
  return ports.cluster.placeholderReplicas(service);
}

function queueAlerts(usage: MeteredUsage, budget: Budget, service: Service, context: Context): void {
  const pending = usage.pendingAlerts!;
  const projectedUSD = projectedSpend({ spentUSD: usage.spentUSD, replicas: usage.replicas, podHourUSD: usage.podHourUSD, now: context.now });
  const common = { service: service.name, month: context.month, monthlyUSD: budget.monthlyUSD, spentUSD: usage.spentUSD, projectedUSD, tags: service.tags };
  for (const threshold of newlyCrossed(usage, budget.monthlyUSD, budget.thresholds)) {
    if (pending.some((e) => e.detailType === THRESHOLD_EVENT && e.detail.thresholdPercent === threshold)) continue;
    pending.push({ detailType: THRESHOLD_EVENT, detail: { ...common, thresholdPercent: threshold }, resources: [`service/${service.name}`] });
    usage.alerted = [...usage.alerted, threshold];
  }
  const floor = context.floors.get(service.name) ?? 0;
  const floorProjection = projectedSpend({ spentUSD: usage.spentUSD, replicas: floor, podHourUSD: usage.podHourUSD, now: context.now });
  if (!usage.floorAlerted && floor > 0 && floorProjection > budget.monthlyUSD) {
    pending.push({
      detailType: FLOOR_EVENT,
      detail: { ...common, minReplicas: floor, floorProjectedUSD: floorProjection },
      resources: [`service/${service.name}`],
    });
    usage.floorAlerted = true;
  }
}

async function publishPending(ports: PublishingPorts, caller: Caller, service: Service, usage: MeteredUsage): Promise<number> {
  const pending = usage.pendingAlerts ?? [];
  if (pending.length === 0) return 0;
  await ports.events.publish(pending);
  for (const event of pending) {
    await record(ports, caller, {
      action: event.detailType === THRESHOLD_EVENT ? 'budget.threshold' : 'budget.floor-exceeds',
      target: `budget/${service.name}`,
      before: null,
      after: event.detail,
      outcome: 'success',
      reasons: [alertWords(event)],
      service: { name: service.name, tags: service.tags },
    });
  }
  const sent: MeteredUsage = { ...usage, pendingAlerts: [], version: usage.version + 1 };
  await ports.ledger.putUsage(sent, usage.version).catch((err: unknown) => {
    if (!(err instanceof StaleVersionError)) throw err; // a later run saw them pending and published them too
  });
  return pending.length;
}

function alertWords(event: PublishedEvent): string {
  const d = event.detail as { thresholdPercent?: number; spentUSD: number; monthlyUSD: number; minReplicas?: number; floorProjectedUSD?: number };
  return event.detailType === THRESHOLD_EVENT
    ? `${EVENT_SOURCE}: spend ${d.spentUSD.toFixed(2)} USD crossed ${d.thresholdPercent}% of the ${d.monthlyUSD} USD cap`
    : `${EVENT_SOURCE}: minReplicas ${d.minReplicas} alone projects ${d.floorProjectedUSD!.toFixed(2)} USD, over the ${d.monthlyUSD} USD cap`;
}
