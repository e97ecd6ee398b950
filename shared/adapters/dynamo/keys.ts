/** Key builders: every DynamoDB key layout of the product, in one place. */
import type { Kind } from '../../domain/schemas/cloud.js';

export const invoiceKey = {
  /** An invoice's partition: its cloud copy, local edit and first collector. */
  pk: (orgId: string, kind: Kind, serialNo: string) => `INV#${orgId}#${kind}#${serialNo}`,
  cloud: 'CLOUD',
  edit: 'EDIT',
  /**
   * The invoice's first linked user, created once: every attachment of the invoice is bound to
   * them (one item per invoice, not one per attachment; `ATT#<fileId>` items of earlier builds
   * are no longer read: data written before FIRSTUSER existed needs one written, see README).
   */
  firstUser: 'FIRSTUSER',
  /** When pushes last wrote an org's pool of one kind (no index keys: never listed). */
  pushMark: (orgId: string, kind: Kind) => ({ pk: `PUSHED#${orgId}#${kind}`, sk: 'MARK' }),
  /** gsi1: an org's pool by kind; cloud and edit items sit side by side. */
  gsi1pk: (orgId: string, kind: Kind) => `POOL#${orgId}#${kind}`,
  gsi1sk: (serialNo: string, item: 'CLOUD' | 'EDIT') =>
    `${serialNo}#${item === 'CLOUD' ? '0' : '1'}`,
  /** gsi2: by invoice number (code + number lookups, push by condition). */
  gsi2pk: (invoiceNo: string) => `NO#${invoiceNo}`,
  gsi2sk: (orgId: string, serialNo: string) => `${orgId}#${serialNo}`,
  /** gsi3: an org's pool by the CST day of the cloud's updateTime (reconciliation by date). */
  gsi3pk: (orgId: string, kind: Kind, day: string) => `DAY#${orgId}#${kind}#${day}`,
  gsi3sk: (serialNo: string) => serialNo,
};

/** The public invoice id is the partition key, made URL-safe. */
export const invoiceIdOf = (orgId: string, kind: Kind, serialNo: string): string =>
  Buffer.from(`${orgId}\u0000${kind}\u0000${serialNo}`).toString('base64url');

export const parseInvoiceId = (
  id: string,
): { orgId: string; kind: Kind; serialNo: string } | null => {
  const parts = Buffer.from(id, 'base64url').toString('utf8').split('\u0000');
  if (parts.length !== 3) return null;
  const [orgId, kind, serialNo] = parts as [string, string, string];
  if ((kind !== 'input' && kind !== 'output') || !orgId || !serialNo) return null;
  // One spelling per invoice: base64url decoding skips stray characters, so an alias of an id
  // (`<id>%00`, padding) is no id at all.
  if (invoiceIdOf(orgId, kind, serialNo) !== id) return null;
  return { orgId, kind, serialNo };
};

export const runKey = {
  pk: (runId: string) => `RUN#${runId}`,
  sk: 'RUN',
  /** gsi1: every run, newest first. */
  gsi1pk: 'RUNS',
  /** gsi2: runs of one org. gsi3: runs by status (the retry job's query). */
  gsi2pk: (orgId: string) => `ORG#${orgId}`,
  gsi3pk: (status: string) => `STATUS#${status}`,
  byTime: (createdAt: string, runId: string) => `${createdAt}#${runId}`,
};

export const configKey = {
  global: { pk: 'CONFIG', sk: 'GLOBAL' },
  org: (orgId: string) => ({ pk: `ORG#${orgId}`, sk: 'ORG' }),
  orgsIndex: 'ORGS',
  user: (userId: string) => ({ pk: `USER#${userId}`, sk: 'USER' }),
  /** A phone number's claim: which user holds it (one user per phone). */
  phone: (phone: string) => ({ pk: `PHONE#${phone}`, sk: 'PHONE' }),
  system: (systemId: string) => ({ pk: `SYSTEM#${systemId}`, sk: 'SYSTEM' }),
  /** gsi1: an org's systems (the console's list). */
  systemsIndex: (orgId: string) => `SYSTEMS#${orgId}`,
};

export const linkKey = {
  /**
   * One link per invoice and user, in the invoice's partition (its users are one consistent
   * Query; no second index): created once, never replaced (append-only).
   */
  pk: (invoiceId: string) => `INV#${invoiceId}`,
  sk: (userId: string) => `USER#${userId}`,
  /** gsi1: a user's folder, newest link first. */
  gsi1pk: (userId: string) => `FOLDER#${userId}`,
  byTime: (linkedAt: string, id: string) => `${linkedAt}#${id}`,
};

export const billKey = {
  /**
   * A bill's partition (its log and STATE). Bills are identified by (org, billId): bill ids are
   * only unique within the expense system of one org. An org id never contains `#`.
   */
  pk: (orgId: string, billId: string) => `BILL#${orgId}#${billId}`,
  state: 'STATE',
  /** `seq` orders one delivery's entries written within the same millisecond. */
  logSk: (at: string, eventId: string, seq: number, step: string) =>
    `LOG#${at}#${eventId}#${String(seq).padStart(3, '0')}#${step}`,
  /** An event's partition under its bill: processed marker, step markers, the delivery's claim. */
  event: (b: BillRef, eventId: string) => ({
    pk: `EVENT#${b.orgId}#${b.billId}#${eventId}`,
    sk: 'EVENT',
  }),
  /** Which bills of an org use an invoice (one item per bill, sk = the bill's pk). */
  use: (orgId: string, serialNo: string) => `USE#${orgId}#${serialNo}`,
  /** A client's `Idempotency-Key` on `POST /bills/events`, per org: the event it created. */
  idempotency: (orgId: string, key: string) => ({ pk: `IDEM#${orgId}#${key}`, sk: 'IDEM' }),
  deadIndex: 'DEAD',
};
/** A bill as the product identifies it. */
export interface BillRef {
  orgId: string;
  billId: string;
}

export const logKey = {
  pk: (logId: string) => `LOG#${logId}`,
  sk: 'LOG',
  gsi1pk: 'LOGS',
  gsi2pk: (orderNo: string) => `ORDER#${orderNo}`,
};
