import { alarmsForRule } from '#domain/alarms.ts';
import type { Ports } from '#ports/ports.ts';
import { putAlarms } from './rules.ts';

export interface RestoredAlarms {
  /** Rules whose alarms were put again. */
  restored: string[];
  /** Rules left without alarms, and why: a rule being deleted, or one whose service is gone. */
  skipped: Array<{ ruleId: string; reason: string }>;
  /** Rules whose alarms could not be put. */
  failed: Array<{ ruleId: string; error: string }>;
}

/**
 * Puts every stored rule's alarms again, computed and put as the API does on create and edit, so
 * names, thresholds and periods are the same. For the sandbox's alarm evaluator: it resumes its
 * alarms from its file first, and a re-put keeps each one's state, as an update does in
 * CloudWatch; without the file (kept in memory, or removed) this puts them afresh. CloudWatch
 * keeps its alarms, and the deployed stack never calls this.
 */
export async function restoreRuleAlarms(ports: Ports): Promise<RestoredAlarms> {
  const result: RestoredAlarms = { restored: [], skipped: [], failed: [] };
  const services = new Map((await ports.store.listServices()).map((service) => [service.name, service]));
  for (const rule of await ports.store.listRules()) {
    if (rule.deleting) {
      // Its DELETE deleted or was deleting its alarms; a repeated DELETE finishes it.
      result.skipped.push({ ruleId: rule.ruleId, reason: 'the rule is being deleted' });
      continue;
    }
    const service = services.get(rule.service);
    if (!service) {
      result.skipped.push({ ruleId: rule.ruleId, reason: `service ${rule.service} is not registered` });
      continue;
    }
    try {
      await putAlarms(ports, alarmsForRule(rule, service));
      result.restored.push(rule.ruleId);
    } catch (err) {
      result.failed.push({ ruleId: rule.ruleId, error: (err as Error).message });
    }
  }
  return result;
}
