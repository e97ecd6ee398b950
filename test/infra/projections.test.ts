/**
 * GSI projections (issue 18, docs/cost.md): the deployed invoice indexes store only what their
 * reads need (every index entry is written on each item write), the rest stay whole; and the
 * tables DynamoDB Local gets in tests are built the same way.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '#infra/build.js';
import { projectionOf, TABLES, type IndexDef } from '#shared/adapters/dynamo/tables.js';

const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
const data = Template.fromStack(buildApp(app).stateful);
const tables = Object.values(data.findResources('AWS::DynamoDB::Table')) as {
  Properties: { GlobalSecondaryIndexes?: { IndexName: string; Projection: unknown }[] };
}[];
const invoiceIndexes = tables.find((t) =>
  t.Properties.GlobalSecondaryIndexes?.some((ix) => ix.IndexName === 'gsi3'),
)!.Properties.GlobalSecondaryIndexes!;

describe('GSI projections', () => {
  it('the pool list index holds its filter fields, the number index keys only', () => {
    const byName = Object.fromEntries(invoiceIndexes.map((ix) => [ix.IndexName, ix.Projection]));
    expect(byName).toEqual({
      gsi1: {
        ProjectionType: 'INCLUDE',
        NonKeyAttributes: ['serialNo', 'expendStatus', 'checkStatus'],
      },
      gsi2: { ProjectionType: 'KEYS_ONLY' },
      gsi3: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['serialNo'] },
    });
  });

  it('every index of the template is projected as tables.ts defines it (ALL by default)', () => {
    const defined = Object.values(TABLES).flatMap((t) =>
      (t.indexes as readonly IndexDef[]).map((ix) => projectionOf(ix)),
    );
    const deployed = tables.flatMap((t) =>
      (t.Properties.GlobalSecondaryIndexes ?? []).map((ix) => ix.Projection),
    );
    expect(deployed).toHaveLength(defined.length);
    expect(deployed.filter((p) => JSON.stringify(p) === '{"ProjectionType":"ALL"}').length).toBe(
      defined.filter((p) => p.ProjectionType === 'ALL').length,
    );
  });
});
