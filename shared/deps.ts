/**
 * The ports a use case may touch. Each use case names the stores and queues it needs
 * (`Deps<'runs' | 'config', 'sync'>`), so a function whose catalog entry does not grant a store
 * cannot call it: that is a type error, not a cold-start surprise.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CloudClient } from './adapters/cloud/client.js';
import type { Clock, Metrics, Queue, Secrets } from './ports.js';
import type { SyncMessage } from './domain/schemas/sync.js';
import type { WritebackMessage } from './domain/schemas/bills.js';
import type { CallbackMessage } from './domain/schemas/interaction.js';
import { makeBillStore } from './adapters/dynamo/bill-store.js';
import { makeConfigStore } from './adapters/dynamo/config-store.js';
import { makeFetchStore } from './adapters/dynamo/fetch-store.js';
import { makeInvoiceStore } from './adapters/dynamo/invoice-store.js';
import { makeLinkStore } from './adapters/dynamo/link-store.js';
import { makeLogStore } from './adapters/dynamo/log-store.js';
import { makePushStore } from './adapters/dynamo/push-store.js';
import { makeRunStore } from './adapters/dynamo/run-store.js';
import { makeUserStore } from './adapters/dynamo/user-store.js';
import type { TableKey } from './adapters/dynamo/tables.js';

const STORES = {
  config: { table: 'config', make: makeConfigStore },
  users: { table: 'users', make: makeUserStore },
  runs: { table: 'runs', make: makeRunStore },
  invoices: { table: 'invoices', make: makeInvoiceStore },
  links: { table: 'links', make: makeLinkStore },
  bills: { table: 'billLogs', make: makeBillStore },
  logs: { table: 'interactionLogs', make: makeLogStore },
  push: { table: 'config', make: makePushStore },
  fetches: { table: 'interactionLogs', make: makeFetchStore },
} as const satisfies Record<string, { table: TableKey; make: unknown }>;

export type StoreKey = keyof typeof STORES;
export type Stores = { [K in StoreKey]: ReturnType<(typeof STORES)[K]['make']> };
/** The stores kept in the given tables. */
export type StoresIn<T extends TableKey> = {
  [K in StoreKey]: (typeof STORES)[K]['table'] extends T ? K : never;
}[StoreKey];

export interface Queues {
  sync: Queue<SyncMessage>;
  writeback: Queue<WritebackMessage>;
  callbacks: Queue<CallbackMessage>;
}
export type QueueName = keyof Queues;

/** Everything a use case may touch, built once per process and injected. */
export interface Deps<S extends StoreKey = StoreKey, Q extends QueueName = QueueName> {
  stores: Pick<Stores, S>;
  queues: Pick<Queues, Q>;
  cloud: CloudClient;
  secrets: Secrets;
  clock: Clock;
  /** The product's CloudWatch metrics (flushed by the function at the end of an invocation). */
  metrics: Metrics;
  /** Local mode: http callback targets on loopback allowed; nothing else differs. */
  localMode: boolean;
}

/** The stores kept in `tables`, each on its physical table name; no other store is built. */
export const makeStores = <T extends TableKey>(
  db: DynamoDBDocumentClient,
  tables: Record<T, string>,
): Pick<Stores, StoresIn<T>> => {
  const out: Partial<Record<StoreKey, unknown>> = {};
  for (const [key, { table, make }] of Object.entries(STORES) as [
    StoreKey,
    (typeof STORES)[StoreKey],
  ][]) {
    const name = (tables as Partial<Record<TableKey, string>>)[table];
    if (name) out[key] = make(db, name);
  }
  return out as Pick<Stores, StoresIn<T>>;
};
