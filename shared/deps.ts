import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CloudClient } from './cloud/client.js';
import type { Clock, Queue, Secrets } from './ports.js';
import type { SyncMessage } from './schemas/sync.js';
import { makeConfigStore } from './store/config-store.js';
import { makeInvoiceStore } from './store/invoice-store.js';
import { makeRunStore } from './store/run-store.js';
import { makeLinkStore } from './store/link-store.js';
import { makeUserStore } from './store/user-store.js';
import { makeBillStore } from './store/bill-store.js';
import type { WritebackMessage } from './schemas/bills.js';
import type { CallbackMessage } from './schemas/interaction.js';
import { makeLogStore } from './store/log-store.js';
import type { TableNames } from './store/tables.js';

export const makeStores = (db: DynamoDBDocumentClient, t: TableNames) => ({
  config: makeConfigStore(db, t.config),
  runs: makeRunStore(db, t.runs),
  invoices: makeInvoiceStore(db, t.invoices),
  users: makeUserStore(db, t.config),
  links: makeLinkStore(db, t.links),
  bills: makeBillStore(db, t.billLogs),
  logs: makeLogStore(db, t.interactionLogs),
});
export type Stores = ReturnType<typeof makeStores>;

/** Everything a use case may touch, built once per process and injected. */
export interface Deps {
  stores: Stores;
  cloud: CloudClient;
  secrets: Secrets;
  queues: { sync: Queue<SyncMessage>; writeback: Queue<WritebackMessage>; callbacks: Queue<CallbackMessage> };
  clock: Clock;
  /** Local mode: http callback targets on loopback allowed; nothing else differs. */
  localMode: boolean;
}
