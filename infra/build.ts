import type { App } from 'aws-cdk-lib';
import { StatefulStack } from './stateful-stack.js';
import { StatelessStack } from './stateless-stack.js';

/** Compose the two stacks; settings come from CDK context (cdk.json or `-c key=value`). */
export const buildApp = (app: App) => {
  const ctx = (k: string, d: string) => (app.node.tryGetContext(k) as string | undefined) ?? d;
  const stateful = new StatefulStack(app, 'InvoiceCloudBridgeData', {
    description: 'Invoice Cloud Bridge: tables, queues, secrets',
  });
  const stateless = new StatelessStack(app, 'InvoiceCloudBridgeApp', {
    description: 'Invoice Cloud Bridge: functions, API, schedules',
    stateful,
    invoiceCloudUrl: ctx('invoiceCloudUrl', 'https://api.example-invoice-cloud.com'),
    dailySyncCron: { minute: ctx('dailySyncMinuteUtc', '30'), hour: ctx('dailySyncHourUtc', '15') },
    retryCron: { minute: ctx('retryMinuteUtc', '0'), hour: ctx('retryHourUtc', '22') },
  });
  return { stateful, stateless };
};
