import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp } from '#infra/build.js';

describe('security rules on the synthesized stacks (R6)', () => {
  const outdir = mkdtempSync(`${tmpdir()}/icb-nag-`);
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  const { stateless } = buildApp(app);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

  it('cdk-nag AwsSolutions: 0 unacknowledged findings (each acknowledged with a reason)', () => {
    let failure = '';
    try {
      app.synth();
    } catch (e) {
      failure = String(e);
    }
    expect(failure).toBe('');
    const report = JSON.parse(readFileSync(`${outdir}/validation-report.json`, 'utf8')) as {
      pluginReports: { conclusion: string }[];
    };
    expect(report.pluginReports.filter((r) => r.conclusion !== 'success')).toEqual([]);
  });

  it('the same check fails a stack that breaks a rule (the check is live)', () => {
    const control = new App({ outdir: mkdtempSync(`${tmpdir()}/icb-nag-control-`) });
    const stack = new Stack(control, 'Control');
    new Table(stack, 'NoPitr', { partitionKey: { name: 'pk', type: AttributeType.STRING } });
    Validations.of(control).addPlugins(new AwsSolutionsChecks(control));
    expect(() => control.synth()).toThrow(/AwsSolutions-DDB3/);
  });

  it('no Scan, no index wildcard, secrets granted by their ARN prefix only', () => {
    const t = Template.fromStack(stateless);
    const statements = Object.values(t.findResources('AWS::IAM::Policy')).flatMap(
      (p: any) =>
        p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
    const text = JSON.stringify(statements);
    expect(text).not.toContain('dynamodb:Scan');
    expect(text).not.toContain('/index/*');
    const secretStatements = statements.filter(
      (s) =>
        [s.Action].flat().some((a) => a.startsWith('secretsmanager:')) &&
        JSON.stringify(s.Resource).includes(':secret:'),
    );
    expect(secretStatements.length).toBeGreaterThan(0);
    for (const s of secretStatements)
      expect(JSON.stringify(s.Resource)).toMatch(
        /:secret:(InvoiceCloudBridgeData\/(org|system)\/\*|.*ApiTokenSecret)/,
      );
    expect(Object.keys(t.findResources('AWS::IAM::Role')).length).toBeGreaterThanOrEqual(11);
    expect(JSON.stringify(t.findResources('AWS::IAM::Role'))).not.toContain(
      'AWSLambdaBasicExecutionRole',
    );
  });
});
