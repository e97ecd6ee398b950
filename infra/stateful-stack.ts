import { Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { FUNCTIONS, MAX_RECEIVES, type FunctionName, type QueueKey } from '../functions/catalog.js';
import { projectionOf, TABLES, type TableKey } from '../shared/adapters/dynamo/tables.js';
import type { StageConfig } from './stage.js';

const CONSUMER: Record<QueueKey, FunctionName> = {
  sync: 'sync-worker',
  writeback: 'bill-writeback',
  callbacks: 'callback-sender',
};

const ROTATION_REASON = 'Rotating the HS256 API token secret invalidates every issued token;';
const ROTATION_BY = 'it is rotated by operators together with the token issuer, not on a schedule.';
const ORG_KEY_ROTATION =
  'Rotation adds a key version to the keyring and re-encrypts the sealed items ' +
  '(docs/secrets.md); a scheduled rotation replacing the material would make every sealed ' +
  'org secret unreadable.';

/**
 * Stateful part: tables (PITR, encrypted; the user directory in its own table), queues with DLQs,
 * the API token secret. What happens to them on deletion is the stage's (retained and protected in
 * prod); their alarms live in the app stack's operations (`operations.ts`).
 */
export class StatefulStack extends Stack {
  readonly tables = {} as Record<TableKey, Table>;
  readonly queues = {} as Record<QueueKey, Queue>;
  readonly deadLetters = {} as Record<QueueKey, Queue>;
  readonly authSecret: Secret;
  /** The one key (material, or a versioned keyring) that seals every org's secrets (issue 18). */
  readonly orgSecretKey: Secret;

  constructor(scope: Construct, id: string, props: StackProps & { stage: StageConfig }) {
    const { stage, ...stackProps } = props;
    super(scope, id, { ...stackProps, terminationProtection: stage.protectData });
    const removalPolicy = stage.removalPolicy;
    for (const [key, def] of Object.entries(TABLES) as [TableKey, (typeof TABLES)[TableKey]][]) {
      const table = new Table(this, def.id, {
        partitionKey: { name: def.partitionKey, type: AttributeType.STRING },
        sortKey: { name: def.sortKey, type: AttributeType.STRING },
        billingMode: BillingMode.PAY_PER_REQUEST,
        encryption: TableEncryption.AWS_MANAGED,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: stage.protectData,
        removalPolicy,
        ...('ttl' in def ? { timeToLiveAttribute: def.ttl } : {}),
      });
      for (const ix of def.indexes)
        table.addGlobalSecondaryIndex({
          indexName: ix.name,
          partitionKey: { name: ix.partitionKey, type: AttributeType.STRING },
          sortKey: { name: ix.sortKey, type: AttributeType.STRING },
          // ALL unless the definition narrows it (tables.ts `project`).
          projectionType: ProjectionType[projectionOf(ix).ProjectionType],
          ...(ix.project?.length ? { nonKeyAttributes: [...ix.project] } : {}),
        });
      this.tables[key] = table;
    }

    for (const key of ['sync', 'writeback', 'callbacks'] as const) {
      const fifo = key === 'writeback';
      const dlq = new Queue(this, `${key}-dlq`, {
        fifo: fifo || undefined,
        retentionPeriod: Duration.days(14),
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        removalPolicy,
      });
      // Visibility timeout ≥ 6 × the consumer's timeout (AWS's guidance for Lambda event sources).
      const visibility = Duration.seconds(6 * FUNCTIONS[CONSUMER[key]].timeout);
      this.queues[key] = new Queue(this, `${key}-queue`, {
        fifo: fifo || undefined,
        contentBasedDeduplication: fifo ? false : undefined,
        visibilityTimeout: visibility,
        retentionPeriod: Duration.days(14),
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        deadLetterQueue: { queue: dlq, maxReceiveCount: MAX_RECEIVES[key] },
        removalPolicy,
      });
      this.deadLetters[key] = dlq;
    }

    /** A generated 64-character secret; `rotation`: why it has no rotation schedule (SMG4). */
    const generated = (id: string, description: string, rotation: string) => {
      const secret = new Secret(this, id, {
        description,
        generateSecretString: { passwordLength: 64, excludePunctuation: true },
        removalPolicy,
      });
      Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: rotation });
      return secret;
    };
    this.authSecret = generated(
      'ApiTokenSecret',
      'HS256 secret for the API bearer tokens',
      `${ROTATION_REASON} ${ROTATION_BY}`,
    );
    // O(1) per deployment: org secrets are sealed items in the config table under this key.
    this.orgSecretKey = generated(
      'OrgSecretKey',
      'Key material sealing the org client secrets and link keys (AES-256-GCM)',
      ORG_KEY_ROTATION,
    );
  }
}
