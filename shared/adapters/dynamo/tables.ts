/**
 * Table definitions: the one source for the CDK stack and for the tables the tests and the local
 * stack create in DynamoDB Local. Every table uses generic `pk`/`sk` keys and generic GSIs so key
 * layouts live in `keys.ts`, not in the schema.
 */
export interface IndexDef {
  name: string;
  partitionKey: string;
  sortKey: string;
  /**
   * What the index stores beside the keys: absent = the whole item (ALL), `[]` = keys only, names
   * = those attributes too (INCLUDE). Every index entry is written on each item write, so a
   * smaller projection cuts write units (docs/cost.md); a read needing more fetches the items.
   */
  project?: readonly string[];
}

/** The DynamoDB `Projection` of an index, for the CDK stack and for DynamoDB Local. */
export const projectionOf = (ix: IndexDef) =>
  ix.project === undefined
    ? { ProjectionType: 'ALL' as const }
    : ix.project.length
      ? { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...ix.project] }
      : { ProjectionType: 'KEYS_ONLY' as const };

export interface TableDef {
  /** Logical id (CDK) and the suffix of local physical names. */
  id: string;
  /** Environment variable through which functions learn the physical name. */
  env: string;
  partitionKey: string;
  sortKey: string;
  indexes: IndexDef[];
  /** Attribute holding an epoch-seconds expiry, if items expire. */
  ttl?: string;
}

const gsi = (n: number, project?: readonly string[]): IndexDef => ({
  name: `gsi${n}`,
  partitionKey: `gsi${n}pk`,
  sortKey: `gsi${n}sk`,
  ...(project ? { project } : {}),
});

export const TABLES = {
  /**
   * Invoice pool: the cloud's copy, local edits and attachments of each invoice in one partition.
   */
  invoices: {
    id: 'Invoices',
    env: 'INVOICES_TABLE',
    partitionKey: 'pk',
    sortKey: 'sk',
    /**
     * gsi1 (the pool list): the list's filter fields and `serialNo`, the page's items then read
     * by key; gsi2 (by invoice number): keys only; gsi3 (a day's serials): `serialNo`.
     */
    indexes: [
      gsi(1, ['serialNo', 'expendStatus', 'checkStatus']),
      gsi(2, []),
      gsi(3, ['serialNo']),
    ],
  },
  /** User ↔ invoice links (personal folders), append-only. */
  links: {
    id: 'UserInvoiceLinks',
    env: 'LINKS_TABLE',
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [gsi(1)],
  },
  /** Sync run log. */
  runs: {
    id: 'SyncRuns',
    env: 'RUNS_TABLE',
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [gsi(1), gsi(2), gsi(3)],
  },
  /**
   * Global config, organisations, heterogeneous systems (operator-written); push-channel message
   * markers (the only items with `expiresAt`).
   */
  config: {
    id: 'Config',
    env: 'CONFIG_TABLE',
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [gsi(1)],
    ttl: 'expiresAt',
  },
  /**
   * User directory: users and their phone claims. Apart from the config table so the
   * expense-facing invoices-api can write users without any write on orgs, systems or config.
   */
  users: {
    id: 'Users',
    env: 'USERS_TABLE',
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [],
  },
  /** Bill write-back logs and processed-event markers. */
  billLogs: {
    id: 'BillLogs',
    env: 'BILL_LOGS_TABLE',
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [gsi(1)],
    ttl: 'expiresAt',
  },
  /** Interaction logs with heterogeneous systems. */
  interactionLogs: {
    id: 'InteractionLogs',
    env: 'INTERACTION_LOGS_TABLE',
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [gsi(1), gsi(2)],
  },
  /**
   * Rate-limit buckets toward the invoice cloud (one small item per clientId and one global),
   * shared by every instance that calls the cloud; apart so those functions need no write on
   * Config. Items expire a day after their last use.
   */
  rateLimits: {
    id: 'RateLimits',
    env: 'RATE_LIMITS_TABLE',
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [],
    ttl: 'expiresAt',
  },
} as const satisfies Record<string, TableDef>;

export type TableKey = keyof typeof TABLES;
export type TableNames = Record<TableKey, string>;

/** Physical names for a local stack or a test run: `<prefix>-<id>`. */
export const localTableNames = (prefix: string): TableNames => {
  const out = {} as TableNames;
  for (const [key, def] of Object.entries(TABLES) as [TableKey, TableDef][])
    out[key] = `${prefix}-${def.id}`;
  return out;
};
