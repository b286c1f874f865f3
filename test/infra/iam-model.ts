/**
 * Enough of IAM to ask "does this role allow this call?" of a synthesized template: intrinsic
 * functions resolved to concrete ARNs for one partition, Region and account, and identity-policy
 * Allow statements evaluated with the wildcard matching and the condition operators the stack uses.
 * An operator it does not know fails the evaluation rather than guessing.
 */
import type { PolicyStatementJson, TemplateResource } from './stack-fixture.ts';

export const PARTITION = 'aws-us-gov';
export const REGION = 'us-gov-west-1';
export const ACCOUNT = '111122223333';

/** Resolves CloudFormation intrinsics to strings; `GetAtt Arn` becomes an ARN of the resource's kind named by its logical id. */
export class TemplateResolver {
  constructor(private readonly resources: Record<string, TemplateResource>) {}

  resolve(value: unknown): string {
    if (typeof value === 'string') return value;
    if (typeof value !== 'object' || value === null) throw new Error(`cannot resolve ${JSON.stringify(value)}`);
    const node = value as Record<string, unknown>;
    if ('Ref' in node) return this.ref(node.Ref as string);
    if ('Fn::Join' in node) {
      const [separator, parts] = node['Fn::Join'] as [string, unknown[]];
      return parts.map((part) => this.resolve(part)).join(separator);
    }
    if ('Fn::GetAtt' in node) {
      const [id, attribute] = node['Fn::GetAtt'] as [string, string];
      return this.attribute(id, attribute);
    }
    throw new Error(`cannot resolve ${JSON.stringify(value)}`);
  }

  /** Every resource of a statement, resolved. */
  resourcesOf(statement: PolicyStatementJson): string[] {
    const raw = statement.Resource;
    return (Array.isArray(raw) ? raw : [raw]).map((item) => this.resolve(item));
  }

  private ref(id: string): string {
    const pseudo: Record<string, string> = { 'AWS::Partition': PARTITION, 'AWS::Region': REGION, 'AWS::AccountId': ACCOUNT, 'AWS::URLSuffix': 'amazonaws.com' };
    if (pseudo[id] !== undefined) return pseudo[id];
    if (this.resources[id] === undefined) throw new Error(`Ref to unknown ${id}`);
    return id;
  }

  private attribute(id: string, attribute: string): string {
    const resource = this.resources[id];
    if (resource === undefined) throw new Error(`GetAtt of unknown ${id}`);
    const props = resource.Properties ?? {};
    const arn = (service: string, rest: string, region = REGION) => `arn:${PARTITION}:${service}:${region}:${ACCOUNT}:${rest}`;
    if (attribute === 'GroupId') return `sg-${id}`;
    if (attribute !== 'Arn') throw new Error(`GetAtt ${id}.${attribute} is not modelled`);
    switch (resource.Type) {
      case 'AWS::DynamoDB::Table':
        return arn('dynamodb', `table/${id}`);
      case 'AWS::KMS::Key':
        return arn('kms', `key/${id}`);
      case 'AWS::SQS::Queue':
        return arn('sqs', id);
      case 'AWS::SNS::Topic':
        return arn('sns', id);
      case 'AWS::Logs::LogGroup':
        return arn('logs', `log-group:${props.LogGroupName === undefined ? id : this.resolve(props.LogGroupName)}:*`);
      case 'AWS::IAM::Role':
        return `arn:${PARTITION}:iam::${ACCOUNT}:role/${id}`;
      case 'AWS::Events::EventBus':
        return arn('events', `event-bus/${this.resolve(props.Name)}`);
      // Bucket ARNs carry no Region or account: arn:<partition>:s3:::<name>.
      case 'AWS::S3::Bucket':
        return `arn:${PARTITION}:s3:::${id.toLowerCase()}`;
      case 'AWS::Lambda::Function':
        return arn('lambda', `function:${this.resolve(props.FunctionName)}`);
      default:
        throw new Error(`GetAtt Arn of ${resource.Type} is not modelled`);
    }
  }
}

/** IAM's wildcard match: `*` any run of characters, `?` one; case-sensitive unless told. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const body = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, ignoreCase ? 'i' : '').test(value);
}

/** One call as IAM sees it: the action, the resource it is authorized against, and the request's condition keys. */
export interface Authorization {
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string>>;
}

type Operator = (values: string[], actual: string | undefined) => boolean;

const OPERATORS: Record<string, Operator> = {
  StringEquals: (values, actual) => actual !== undefined && values.includes(actual),
  StringLike: (values, actual) => actual !== undefined && values.some((v) => wildcardMatch(v, actual)),
  ArnEquals: (values, actual) => actual !== undefined && values.includes(actual),
  ArnLike: (values, actual) => actual !== undefined && values.some((v) => wildcardMatch(v, actual)),
  Null: (values, actual) => values.every((v) => (v === 'true') === (actual === undefined)),
  // A multivalued key (each call here carries one value): true when it matches, and, as IAM does, when it is absent.
  'ForAllValues:StringLike': (values, actual) => actual === undefined || values.some((v) => wildcardMatch(v, actual)),
};

function conditionHolds(operator: string, block: Record<string, unknown>, context: Readonly<Record<string, string>>, resolver: TemplateResolver): boolean {
  const ifExists = operator.endsWith('IfExists');
  const base = ifExists ? operator.slice(0, -'IfExists'.length) : operator;
  const test = OPERATORS[base];
  if (test === undefined) throw new Error(`condition operator ${operator} is not modelled`);
  return Object.entries(block).every(([key, raw]) => {
    const values = (Array.isArray(raw) ? raw : [raw]).map((v) => resolver.resolve(v));
    const actual = Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
    if (ifExists && actual === undefined) return true;
    return test(values, actual);
  });
}

/** Whether an Allow statement among `statements` allows the call (no Deny is modelled: the stack's roles have none). */
export function allows(statements: readonly PolicyStatementJson[], call: Authorization, resolver: TemplateResolver): boolean {
  return statements.some((statement) => {
    if (statement.Effect !== 'Allow') return false;
    const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
    if (!actions.some((action) => wildcardMatch(action, call.action, true))) return false;
    if (!resolver.resourcesOf(statement).some((resource) => wildcardMatch(resource, call.resource))) return false;
    return Object.entries(statement.Condition ?? {}).every(([operator, block]) => conditionHolds(operator, block, call.context ?? {}, resolver));
  });
}

/** Whether some string matches both IAM globs (`*` any run, `?` one character). */
export function globsOverlap(a: string, b: string): boolean {
  const memo = new Map<string, boolean>();
  const step = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    if (memo.has(key)) return memo.get(key)!;
    let result: boolean;
    if (i === a.length && j === b.length) result = true;
    else if (a[i] === '*') result = step(i + 1, j) || (j < b.length && step(i, j + 1));
    else if (b[j] === '*') result = step(i, j + 1) || (i < a.length && step(i + 1, j));
    else result = i < a.length && j < b.length && (a[i] === b[j] || a[i] === '?' || b[j] === '?') && step(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return step(0, 0);
}
