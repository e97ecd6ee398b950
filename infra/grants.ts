import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IndexDef } from '../shared/adapters/dynamo/tables.js';

const READ = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
];
const WRITE = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];

/**
 * Table access as the catalog grants it: the table and each of its named indexes (no `index/*`,
 * no Scan).
 * Writes go to the table only; indexes are read.
 */
export const tableStatements = (
  table: ITable,
  indexes: readonly IndexDef[],
  access: 'r' | 'rw',
): PolicyStatement[] => [
  new PolicyStatement({
    actions: access === 'rw' ? [...READ, ...WRITE] : READ,
    resources: [table.tableArn],
  }),
  ...(indexes.length
    ? [
        new PolicyStatement({
          actions: ['dynamodb:Query'],
          resources: indexes.map((ix) => `${table.tableArn}/index/${ix.name}`),
        }),
      ]
    : []),
];
