import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { EventTrigger, ScheduleTrigger } from '#domain/triggers.ts';
import { EVENT_SOURCE } from '#ports/events.ts';

/** Whether a declared pattern matches hms-sys's own events, which are published to the hms-sys bus. */
export function matchesOwnEvents(trigger: EventTrigger): boolean {
  const source = trigger.pattern.source;
  return Array.isArray(source) && source.includes(EVENT_SOURCE);
}

export interface ControllerTriggersProps {
  /** Function every rule invokes. */
  readonly handler: lambda.IFunction;
  /** The declared event patterns and schedules, used as they are. */
  readonly triggers: readonly (EventTrigger | ScheduleTrigger)[];
  /** Where EventBridge parks events it could not deliver. */
  readonly deadLetterQueue: sqs.IQueue;
  /**
   * The hms-sys bus, where patterns on hms-sys's own events (source hms.sys) are matched;
   * required when a trigger has one. AWS events and schedules stay on the default bus.
   */
  readonly ownEventBus?: events.IEventBus;
  /**
   * Delivery attempts EventBridge makes after the first fails.
   * @default 4
   */
  readonly retryAttempts?: number;
  /**
   * How long EventBridge keeps trying before the event goes to the dead-letter queue.
   * @default one hour
   */
  readonly maxEventAge?: Duration;
}

/** One EventBridge rule per declared event pattern or schedule, each aimed at the handler, on the bus its events reach. */
export class ControllerTriggers extends Construct {
  readonly rules: events.Rule[];

  constructor(scope: Construct, id: string, props: ControllerTriggersProps) {
    super(scope, id);
    const target = new targets.LambdaFunction(props.handler, {
      deadLetterQueue: props.deadLetterQueue,
      retryAttempts: props.retryAttempts ?? 4,
      maxEventAge: props.maxEventAge ?? Duration.hours(1),
    });
    this.rules = props.triggers.map(
      (trigger) =>
        new events.Rule(this, trigger.id, {
          description: `hms-sys: ${trigger.description}`,
          targets: [target],
          ...(trigger.kind === 'event'
            ? { eventPattern: asCdkPattern(trigger), eventBus: ownBus(trigger, props.ownEventBus) }
            : { schedule: events.Schedule.rate(Duration.minutes(trigger.rateMinutes)) }),
        }),
    );
  }
}

function ownBus(trigger: EventTrigger, bus: events.IEventBus | undefined): events.IEventBus | undefined {
  if (!matchesOwnEvents(trigger)) return undefined;
  if (bus === undefined) throw new Error(`trigger ${trigger.id} matches ${EVENT_SOURCE} events, but there is no hms-sys event bus`);
  return bus;
}

/**
 * The declared pattern is written as AWS documents it (`detail-type`, not CDK's `detailType`);
 * CDK renders top-level keys other than `detailType` unchanged, so it reaches the template verbatim.
 */
function asCdkPattern(trigger: EventTrigger): events.EventPattern {
  return trigger.pattern as events.EventPattern;
}
