import { Tags, type App } from 'aws-cdk-lib';
import { stageConfig } from './stage.js';
import { StatefulStack } from './stateful-stack.js';
import { StatelessStack } from './stateless-stack.js';

/**
 * Compose the two stacks for the stage named by context `stage` (`infra/stage.ts`: account, region,
 * cloud URL, issuer, alarm email, retention, removal policy, schedules). Every resource is tagged
 * with the product and the stage.
 */
export const buildApp = (app: App) => {
  const stage = stageConfig(app);
  const env =
    stage.account || stage.region ? { account: stage.account, region: stage.region } : undefined;
  const stateful = new StatefulStack(app, 'InvoiceCloudBridgeData', {
    description: 'Invoice Cloud Bridge: tables, queues, secrets',
    env,
    stage,
  });
  const stateless = new StatelessStack(app, 'InvoiceCloudBridgeApp', {
    description: 'Invoice Cloud Bridge: functions, API, schedules, alarms, dashboard',
    env,
    stateful,
    stage,
  });
  Tags.of(app).add('Project', 'InvoiceCloudBridge');
  Tags.of(app).add('Stage', stage.name);
  return { stage, stateful, stateless };
};
