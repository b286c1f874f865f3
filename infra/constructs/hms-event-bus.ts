import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { FLOOR_EVENT, THRESHOLD_EVENT } from '#domain/budget.ts';
import { EVENT_SOURCE } from '#ports/events.ts';
import type { DeadLetters } from './dead-letters.ts';
import type { ManagedPolicyRole } from './managed-policy-role.ts';
import type { OperatorAlerts } from './operator-alerts.ts';

/** Name of the bus hms-sys publishes its own events to. */
export const EVENT_BUS_NAME = 'hms-sys';

/** The budget events operators are told about. */
export const BUDGET_ALERT_TYPES: readonly string[] = [THRESHOLD_EVENT, FLOOR_EVENT];

/** The mesh events operators are told about: the mesh root CA within 30 days of expiry (root-ca-check.ts). */
export const MESH_ALERT_TYPES: readonly string[] = ['Mesh Root CA Expiring'];

export interface HmsEventBusProps {
  /** Topic budget alerts go to. */
  readonly alerts: OperatorAlerts;
  /** Where EventBridge parks alerts it could not deliver. */
  readonly deadLetters: DeadLetters;
  /** Route the mesh alerts too (when the mesh function is deployed). */
  readonly meshAlerts?: boolean;
}

/**
 * A custom bus for hms.sys events, so they stay apart from the account's default bus: publishers
 * are granted this bus only, and agencies subscribe their own rules to it. One rule sends the
 * budget alerts (threshold crossed, floor above the cap) to the operator topic, and another the
 * mesh root CA's expiry when the mesh function is deployed.
 */
export class HmsEventBus extends Construct {
  readonly bus: events.EventBus;
  readonly budgetAlertRule: events.Rule;
  readonly meshAlertRule?: events.Rule;

  constructor(scope: Construct, id: string, props: HmsEventBusProps) {
    super(scope, id);
    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: EVENT_BUS_NAME,
      description: `hms-sys: events with source ${EVENT_SOURCE} (budget alerts)`,
    });
    this.budgetAlertRule = new events.Rule(this, 'BudgetAlerts', {
      eventBus: this.bus,
      description: 'hms-sys: budget thresholds crossed and budget floors above the cap, to the operator topic',
      eventPattern: { source: [EVENT_SOURCE], detailType: [...BUDGET_ALERT_TYPES] },
    });
    props.alerts.notifyOn(this.budgetAlertRule, props.deadLetters.queue);
    if (props.meshAlerts) {
      this.meshAlertRule = new events.Rule(this, 'MeshAlerts', {
        eventBus: this.bus,
        description: "hms-sys: the mesh root CA's expiry within 30 days, to the operator topic",
        eventPattern: { source: [EVENT_SOURCE], detailType: [...MESH_ALERT_TYPES] },
      });
      props.alerts.notifyOn(this.meshAlertRule, props.deadLetters.queue);
    }
  }

  /** What a publishing function reads (shared/adapters/aws/config.ts). */
  get environment(): Record<string, string> {
    return { EVENT_BUS_NAME: this.bus.eventBusName };
  }

  /** Lets a role put events on this bus, and only with the hms.sys source. */
  grantPublish(role: ManagedPolicyRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        conditions: { StringEquals: { 'events:source': EVENT_SOURCE } },
      }),
    );
  }
}
