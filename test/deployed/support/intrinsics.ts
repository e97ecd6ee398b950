/**
 * CloudFormation as a deployment would resolve it, for the templates of one cloud assembly:
 * physical names for every resource, `Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select`,
 * `Fn::Split`, pseudo parameters and cross-stack `Fn::ImportValue`. Unknown intrinsics throw, so a
 * new one is noticed.
 */
export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';

export interface Resource {
  Type: string;
  Properties?: Record<string, any>;
  Metadata?: Record<string, unknown>;
}
export interface Template {
  Resources: Record<string, Resource>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
  Parameters?: Record<string, { Default?: unknown }>;
}
export interface Physical {
  ref: string;
  name: string;
  arn: string;
  attrs: Record<string, string>;
}

/** A secret's ARN as Secrets Manager forms it: the name plus a six-character suffix. */
export const secretArn = (name: string) =>
  `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-AbCdEf`;

/** Where the physical resources live: table name prefix and the SQS stand-in's base URL. */
export interface PhysicalOptions {
  runId: string;
  sqsBaseUrl: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The physical identity a deployment would give a resource (run-unique names). */
export const physicalOf = (
  stack: string,
  id: string,
  r: Resource,
  o: PhysicalOptions,
): Physical => {
  const p = r.Properties ?? {};
  const generated = `shape-${o.runId}-${id}`;
  switch (r.Type) {
    case 'AWS::DynamoDB::Table': {
      const name = str(p.TableName) ?? generated;
      const arn = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`;
      return { ref: name, name, arn, attrs: { Arn: arn, StreamArn: `${arn}/stream/shape` } };
    }
    case 'AWS::SQS::Queue': {
      const fifo = p.FifoQueue === true || p.FifoQueue === 'true';
      const base = str(p.QueueName) ?? generated;
      const name = fifo && !base.endsWith('.fifo') ? `${base}.fifo` : base;
      const url = `${o.sqsBaseUrl}/${ACCOUNT}/${name}`;
      const arn = `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
      return { ref: url, name, arn, attrs: { Arn: arn, QueueName: name, QueueUrl: url } };
    }
    case 'AWS::SecretsManager::Secret': {
      const name = str(p.Name) ?? id;
      const arn = secretArn(name);
      return { ref: arn, name, arn, attrs: { Id: arn } };
    }
    case 'AWS::IAM::Role': {
      const name = str(p.RoleName) ?? `${stack}-${id}`;
      const arn = `arn:aws:iam::${ACCOUNT}:role/${name}`;
      return { ref: name, name, arn, attrs: { Arn: arn, RoleId: `AROA${id.toUpperCase()}` } };
    }
    case 'AWS::Lambda::Function': {
      const name = str(p.FunctionName) ?? `${stack}-${id}`;
      const arn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
      return { ref: name, name, arn, attrs: { Arn: arn } };
    }
    case 'AWS::Logs::LogGroup': {
      const name = str(p.LogGroupName) ?? `/aws/shape/${stack}/${id}`;
      const arn = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}:*`;
      return { ref: name, name, arn, attrs: { Arn: arn } };
    }
    default: {
      const [, service = 'unknown', kind = 'resource'] = r.Type.split('::');
      const name = `${stack}-${id}`;
      const svc = service.toLowerCase();
      const arn = `arn:aws:${svc}:${REGION}:${ACCOUNT}:${kind.toLowerCase()}/${name}`;
      return { ref: name, name, arn, attrs: { Arn: arn } };
    }
  }
};

const NO_VALUE = Symbol('AWS::NoValue');

/** Resolves values of the templates of one assembly (stack name → template). */
export class Resolver {
  readonly physical = new Map<string, Physical>();
  private readonly exports = new Map<string, { stack: string; value: unknown }>();

  constructor(
    readonly stacks: Record<string, Template>,
    o: PhysicalOptions,
  ) {
    for (const [stack, t] of Object.entries(stacks))
      for (const [id, r] of Object.entries(t.Resources))
        this.physical.set(`${stack}/${id}`, physicalOf(stack, id, r, o));
    for (const [stack, t] of Object.entries(stacks))
      for (const out of Object.values(t.Outputs ?? {}))
        if (out.Export) {
          const name = this.resolve(stack, out.Export.Name);
          this.exports.set(String(name), { stack, value: out.Value });
        }
  }

  of(stack: string, id: string): Physical {
    const p = this.physical.get(`${stack}/${id}`);
    if (!p) throw new Error(`${stack}: no resource ${id}`);
    return p;
  }

  resolve(stack: string, v: unknown): any {
    const out = this.value(stack, v);
    return out === NO_VALUE ? undefined : out;
  }

  private value(stack: string, v: unknown): unknown {
    if (Array.isArray(v)) return v.map((x) => this.value(stack, x)).filter((x) => x !== NO_VALUE);
    if (v === null || typeof v !== 'object') return v;
    const entries = Object.entries(v as Record<string, unknown>);
    const [key, arg] = entries[0] ?? [];
    if (entries.length === 1 && key && (key === 'Ref' || key.startsWith('Fn::')))
      return this.intrinsic(stack, key, arg);
    const out: Record<string, unknown> = {};
    for (const [k, x] of entries) {
      const r = this.value(stack, x);
      if (r !== NO_VALUE) out[k] = r;
    }
    return out;
  }

  private ref(stack: string, name: string): unknown {
    const pseudo: Record<string, unknown> = {
      'AWS::Region': REGION,
      'AWS::AccountId': ACCOUNT,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': stack,
      'AWS::StackId': `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${stack}/shape`,
      'AWS::NoValue': NO_VALUE,
    };
    if (name in pseudo) return pseudo[name];
    const param = this.stacks[stack]?.Parameters?.[name];
    if (param) return param.Default;
    return this.of(stack, name).ref;
  }

  private getAtt(stack: string, arg: unknown): string {
    const [id, attr] = (typeof arg === 'string' ? arg.split('.') : (arg as string[])) as [
      string,
      string,
    ];
    return this.of(stack, id).attrs[attr] ?? `${this.of(stack, id).name}.${attr}`;
  }

  private sub(stack: string, arg: unknown): string {
    const [text, vars = {}] = (typeof arg === 'string' ? [arg] : arg) as [
      string,
      Record<string, unknown>?,
    ];
    return text.replace(/\$\{(!?)([^}]+)\}/g, (_, bang: string, name: string) => {
      if (bang) return `\${${name}}`;
      if (name in vars) return String(this.value(stack, vars[name]));
      return name.includes('.') ? this.getAtt(stack, name) : String(this.ref(stack, name));
    });
  }

  private intrinsic(stack: string, key: string, arg: unknown): unknown {
    const args = () => this.value(stack, arg) as unknown[];
    switch (key) {
      case 'Ref':
        return this.ref(stack, arg as string);
      case 'Fn::GetAtt':
        return this.getAtt(stack, arg);
      case 'Fn::Join': {
        const [sep, list] = args() as [string, unknown[]];
        return list.map(String).join(sep);
      }
      case 'Fn::Sub':
        return this.sub(stack, arg);
      case 'Fn::Select': {
        const [i, list] = args() as [number | string, unknown[]];
        return list[Number(i)];
      }
      case 'Fn::Split': {
        const [sep, text] = args() as [string, string];
        return text.split(sep);
      }
      case 'Fn::ImportValue': {
        const name = String(this.value(stack, arg));
        const exp = this.exports.get(name);
        if (!exp) throw new Error(`${stack}: Fn::ImportValue of ${name}, which no stack exports`);
        return this.value(exp.stack, exp.value);
      }
      default:
        throw new Error(`${stack}: intrinsic ${key} is not supported by the deployed-shape test`);
    }
  }
}
