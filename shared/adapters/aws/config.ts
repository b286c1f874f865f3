/** What the AWS wiring reads from a function's environment, once, at the edge. */
export interface AwsConfig {
  readonly region: string;
  readonly stateTable: string;
  readonly auditTable: string;
  readonly clusters: readonly string[];
  readonly actor: string;
}

export class MissingConfigError extends Error {
  constructor(name: string) {
    super(`environment variable ${name} is required`);
    this.name = 'MissingConfigError';
  }
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new MissingConfigError(name);
  return value;
}

export function readAwsConfig(env: NodeJS.ProcessEnv): AwsConfig {
  return Object.freeze({
    region: required(env, 'AWS_REGION'),
    stateTable: required(env, 'STATE_TABLE'),
    auditTable: required(env, 'AUDIT_TABLE'),
    clusters: Object.freeze(required(env, 'HMS_CLUSTERS').split(',').map((c) => c.trim()).filter(Boolean)),
    actor: required(env, 'HMS_ACTOR'),
  });
}
