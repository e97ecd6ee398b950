/**
 * IAM as AWS evaluates a function's identity policy (no conditions, no resource policies): a
 * request is allowed when an `Allow` statement matches its action and resource and no `Deny` does.
 * Wildcards `*` and `?`; actions case-insensitive, resources case-sensitive. The ledger records
 * every call the stand-ins see, with the function that made it and what was denied.
 */
import { secretArn, ACCOUNT, REGION } from './intrinsics.js';

export interface Statement {
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
}
/** One IAM authorization a request needs. */
export interface Access {
  action: string;
  resource: string;
}

const glob = (pattern: string, flags: string) =>
  new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/]/g, '\\$&')))
      .join('')}$`,
    flags,
  );
const anyMatch = (patterns: string | string[] | undefined, v: string, flags: string) =>
  [patterns ?? []].flat().some((p) => glob(p, flags).test(v));

const matches = (s: Statement, a: Access): boolean => {
  const action = s.NotAction
    ? !anyMatch(s.NotAction, a.action, 'i')
    : anyMatch(s.Action, a.action, 'i');
  const resource = s.NotResource
    ? !anyMatch(s.NotResource, a.resource, '')
    : anyMatch(s.Resource, a.resource, '');
  return action && resource;
};

export const isAllowed = (statements: Statement[], a: Access): boolean =>
  statements.some((s) => s.Effect === 'Allow' && matches(s, a)) &&
  !statements.some((s) => s.Effect === 'Deny' && matches(s, a));

const tableArn = (name: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`;
const TRANSACT: Record<string, string> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
  Get: 'GetItem',
};

/** The authorizations a DynamoDB request needs, from its operation and body. */
export const dynamoAccess = (op: string, body: any): Access[] => {
  if (op === 'TransactWriteItems' || op === 'TransactGetItems')
    return ((body?.TransactItems ?? []) as Record<string, { TableName: string }>[]).flatMap(
      (item) =>
        Object.entries(item).map(([kind, x]) => ({
          action: `dynamodb:${TRANSACT[kind] ?? kind}`,
          resource: tableArn(x.TableName),
        })),
    );
  if (body?.RequestItems)
    return Object.keys(body.RequestItems as object).map((t) => ({
      action: `dynamodb:${op}`,
      resource: tableArn(t),
    }));
  if (typeof body?.TableName !== 'string') return [{ action: `dynamodb:${op}`, resource: '*' }];
  const index =
    (op === 'Query' || op === 'Scan') && body.IndexName ? `/index/${body.IndexName}` : '';
  return [{ action: `dynamodb:${op}`, resource: `${tableArn(body.TableName)}${index}` }];
};

/** A secret id as given (name or ARN) → its ARN. */
export const secretIdArn = (id: string) => (id.startsWith('arn:') ? id : secretArn(id));

export interface Call {
  /** The function whose invocation made the call. */
  fn: string;
  service: 'dynamodb' | 'sqs' | 'secretsmanager';
  /** Operation, e.g. `PutItem`, `SendMessage`. */
  op: string;
  accesses: Access[];
  denied: Access[];
  body: any;
}

/** Every call of every invocation; which function is calling is set before each invocation. */
export class Ledger {
  readonly calls: Call[] = [];
  private current: { fn: string; statements: Statement[] } | undefined;

  /** Calls that arrive until `end()` are made by `fn` with these grants. */
  begin(fn: string, statements: Statement[]): void {
    this.current = { fn, statements };
  }

  end(): void {
    this.current = undefined;
  }

  get fn(): string {
    return this.current?.fn ?? '(no invocation running)';
  }

  /** Record a call; the accesses it is denied (empty when it may go ahead). */
  authorize(service: Call['service'], op: string, accesses: Access[], body: unknown): Access[] {
    const statements = this.current?.statements ?? [];
    const denied = accesses.filter((a) => !isAllowed(statements, a));
    this.calls.push({ fn: this.fn, service, op, accesses, denied, body });
    return denied;
  }

  of(fn: string, service?: Call['service'], op?: string): Call[] {
    return this.calls.filter(
      (c) => c.fn === fn && (!service || c.service === service) && (!op || c.op === op),
    );
  }

  denied(): { fn: string; action: string; resource: string }[] {
    return this.calls.flatMap((c) => c.denied.map((d) => ({ fn: c.fn, ...d })));
  }
}

/** The error AWS answers a request the caller's policy does not allow (JSON protocols). */
export const accessDenied = (fn: string, denied: Access[]) => ({
  __type: 'AccessDeniedException',
  message: denied
    .map((d) => `User: ${fn} is not authorized to perform: ${d.action} on resource: ${d.resource}`)
    .join('; '),
});
