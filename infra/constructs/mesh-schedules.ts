import type { Construct } from 'constructs';
import type { DeadLetters } from './dead-letters.ts';
import { OneShotSchedules } from './one-shot-schedules.ts';

/** The group the mesh-ops function's one-shot schedules (end a pause, close a breaker) are created in. */
export const MESH_SCHEDULE_GROUP_NAME = 'hms-sys-mesh';

export interface MeshSchedulesProps {
  /** Deployed name of the function with the 'mesh-schedules' need (mesh-ops), which its schedules invoke. */
  readonly meshFunctionName: string;
  /** Where Scheduler parks invocations that failed every retry. */
  readonly deadLetters: DeadLetters;
}

/**
 * The mesh-ops function's one-shot schedules (OneShotSchedules): a pause's end and a breaker's reset
 * window, each sending a MeshCommand back to mesh-ops; its MeshTick is their safety net.
 */
export class MeshSchedules extends OneShotSchedules {
  constructor(scope: Construct, id: string, props: MeshSchedulesProps) {
    super(scope, id, {
      groupName: MESH_SCHEDULE_GROUP_NAME,
      targetFunctionName: props.meshFunctionName,
      deadLetters: props.deadLetters,
      purpose: 'mesh (pause end, breaker reset)',
      invokeSid: 'InvokeMeshFunction',
    });
  }

  /** What the mesh-ops function reads (shared/adapters/aws/mesh-config.ts readMeshOpsConfig). */
  get environment(): Record<string, string> {
    return {
      MESH_SCHEDULE_GROUP: this.group.scheduleGroupName,
      MESH_FUNCTION_ARN: this.targetArn,
      SCHEDULER_ROLE_ARN: this.role.roleArn,
      SCHEDULER_DLQ_ARN: this.deadLetters.queue.queueArn,
      SCHEDULER_KMS_KEY_ARN: this.key.keyArn,
    };
  }
}
