/**
 * Least privilege (security review M3): what each function's role allows, evaluated on the
 * synthesized templates as IAM would (the deployed-shape test's resolver and evaluator).
 */
import { App, Stack } from 'aws-cdk-lib';
import type { CfnResource } from 'aws-cdk-lib';
import { buildApp } from '#infra/build.js';
import { FUNCTIONS, type FunctionName } from '#functions/catalog.js';
import { isAllowed, type Statement } from '#test/deployed/support/iam.js';
import { Resolver, secretArn, type Template } from '#test/deployed/support/intrinsics.js';

const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
const { stateful, stateless } = buildApp(app);
const assembly = app.synth();
const templates: Record<string, Template> = Object.fromEntries(
  assembly.stacks.map((s) => [s.stackName, s.template as Template]),
);
const r = new Resolver(templates, { runId: 'iam', sqsBaseUrl: 'https://sqs.invalid' });
const logicalId = (c: { node: { defaultChild?: unknown } }) =>
  Stack.of(c as never).getLogicalId(c.node.defaultChild as CfnResource);

/** Every statement of a function's role (its attached `AWS::IAM::Policy` resources). */
const statementsOf = (fn: FunctionName): Statement[] => {
  const role = stateless.functions[fn].role!;
  const roleRef = r.of(stateless.stackName, logicalId(role)).ref;
  return Object.values(templates[stateless.stackName]!.Resources)
    .filter((res) => res.Type === 'AWS::IAM::Policy')
    .map((res) => r.resolve(stateless.stackName, res.Properties))
    .filter((p) => (p.Roles as string[]).includes(roleRef))
    .flatMap((p) => [p.PolicyDocument.Statement].flat() as Statement[]);
};
const tableArn = (key: keyof typeof stateful.tables) =>
  r.of(stateful.stackName, logicalId(stateful.tables[key])).arn;
const secret = (name: string) => secretArn(`${stateful.stackName}/${name}`);
const can = (fn: FunctionName, action: string, resource: string) =>
  isAllowed(statementsOf(fn), { action, resource });
const ALL = Object.keys(FUNCTIONS) as FunctionName[];
const who = (action: string, resource: string) => ALL.filter((fn) => can(fn, action, resource));

const TABLE_WRITES = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'];
const SECRET_WRITES = ['PutSecretValue', 'CreateSecret'];

describe('IAM least privilege (M3)', () => {
  it('the evaluation is live: config-api may write the config table and system secrets', () => {
    expect(can('config-api', 'dynamodb:PutItem', tableArn('config'))).toBe(true);
    const signing = secret('system/erp/signing-secret');
    expect(can('config-api', 'secretsmanager:PutSecretValue', signing)).toBe(true);
  });

  it('invoices-api (expense-facing) cannot write the config table (orgs, systems)', () => {
    for (const op of TABLE_WRITES)
      expect(can('invoices-api', `dynamodb:${op}`, tableArn('config'))).toBe(false);
  });

  it('the user directory has its own table, written only by invoices-api', () => {
    expect(tableArn('users')).not.toBe(tableArn('config'));
    expect(who('dynamodb:PutItem', tableArn('users'))).toEqual(['invoices-api']);
  });

  it('no function but config-api can write system secrets; none creates per-org secrets', () => {
    for (const op of SECRET_WRITES) {
      expect(who(`secretsmanager:${op}`, secret('system/erp/signing-secret'))).toEqual([
        'config-api',
      ]);
      expect(who(`secretsmanager:${op}`, secret('org/hz/client-secret'))).toEqual([]);
    }
    expect(who('secretsmanager:GetSecretValue', secret('org/hz/client-secret'))).toEqual([]);
  });

  it('the one org secret key is read only by the functions that seal or open org secrets', () => {
    const key = r.of(stateful.stackName, logicalId(stateful.orgSecretKey)).arn;
    expect(who('secretsmanager:GetSecretValue', key).sort()).toEqual(
      ['bill-writeback', 'config-api', 'push-consumer', 'sync-api', 'sync-worker'].sort(),
    );
    for (const op of SECRET_WRITES) expect(who(`secretsmanager:${op}`, key)).toEqual([]);
    // Those functions find the key by its variable; no other function is given it.
    const readers = who('secretsmanager:GetSecretValue', key);
    for (const fn of ALL) {
      const res = templates[stateless.stackName]!.Resources[logicalId(stateless.functions[fn])]!;
      const vars = r.resolve(stateless.stackName, res.Properties).Environment?.Variables ?? {};
      expect([fn, vars.ORG_SECRET_KEY_ARN]).toEqual([fn, readers.includes(fn) ? key : undefined]);
    }
  });

  it('system signing secrets are read only by the functions that sign callbacks or fetches', () => {
    expect(
      who('secretsmanager:GetSecretValue', secret('system/erp/signing-secret')).sort(),
    ).toEqual(['callback-sender', 'interaction-api', 'order-fetch'].sort());
  });

  it('the API token secret is read only by the API functions', () => {
    const token = r.of(stateful.stackName, logicalId(stateful.authSecret)).arn;
    const api = ALL.filter((fn) => FUNCTIONS[fn].trigger === 'api');
    expect(who('secretsmanager:GetSecretValue', token).sort()).toEqual(api.sort());
  });

  it('only ops-api redrives a DLQ, and with exactly the move task’s permissions', () => {
    const arnOf = (q: { node: { defaultChild?: unknown } }) =>
      r.of(stateful.stackName, logicalId(q)).arn;
    for (const key of ['sync', 'writeback', 'callbacks'] as const) {
      const dlq = arnOf(stateful.deadLetters[key]);
      const queue = arnOf(stateful.queues[key]);
      for (const op of ['StartMessageMoveTask', 'ReceiveMessage', 'DeleteMessage'])
        expect([key, op, who(`sqs:${op}`, dlq)]).toEqual([key, op, ['ops-api']]);
      expect(can('ops-api', 'sqs:GetQueueAttributes', dlq)).toBe(true);
      expect(can('ops-api', 'sqs:SendMessage', queue)).toBe(true);
      // It neither consumes the source queue nor writes to the DLQ itself.
      for (const op of ['ReceiveMessage', 'DeleteMessage', 'PurgeQueue'])
        expect(can('ops-api', `sqs:${op}`, queue)).toBe(false);
      expect(can('ops-api', 'sqs:SendMessage', dlq)).toBe(false);
    }
    for (const key of Object.keys(stateful.tables) as (keyof typeof stateful.tables)[])
      expect(can('ops-api', 'dynamodb:GetItem', tableArn(key))).toBe(false);
  });
});
