import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { BillLogEntry, WritebackMessage } from '../../domain/schemas/bills.js';
import { conditional, decodeCursor, encodeCursor, putIfAbsent } from './dynamo.js';
import { billKey, type BillRef } from './keys.js';

export interface BillState extends BillRef {
  billNo: string;
  serialNos: string[];
  billStatus: string;
  deleted: boolean;
  /** How many saves of this bill were forced after the cloud answered 1409 (review I1). */
  forcedWrites?: number;
  /** When the newest event recorded on this bill was received: an older one is superseded. */
  lastEventAt?: string;
  updatedAt: string;
}
/** One event of one bill: its markers live under the bill, never under the event id alone. */
export interface EventRef extends BillRef {
  eventId: string;
}
/** What a client's `Idempotency-Key` created: the event, and a hash of the body it came with. */
export interface IdempotencyRecord {
  eventId: string;
  bodyHash: string;
}

/**
 * Write-back logs, each bill's last written state, which bills use an invoice, event markers,
 * idempotency keys and dead letters. Every bill item is keyed by (org, billId) (review H3).
 */
export const makeBillStore = (db: DynamoDBDocumentClient, table: string) => ({
  async log(e: BillLogEntry, seq: number): Promise<void> {
    await db.send(
      new PutCommand({
        TableName: table,
        Item: {
          pk: billKey.pk(e.orgId, e.billId),
          sk: billKey.logSk(e.at, e.eventId, seq, `${e.step}#${e.attempt}`),
          ...e,
        },
      }),
    );
  },

  async logs(
    bill: BillRef,
    limit: number,
    cursor?: string,
  ): Promise<{ items: BillLogEntry[]; nextCursor: string | null }> {
    const res = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :l)',
        ExpressionAttributeValues: { ':p': billKey.pk(bill.orgId, bill.billId), ':l': 'LOG#' },
        Limit: limit,
        ExclusiveStartKey: decodeCursor(cursor, {
          pk: billKey.pk(bill.orgId, bill.billId),
          sk: (v) => v.startsWith('LOG#'),
        }),
      }),
    );
    return {
      items: (res.Items ?? []).map(({ pk: _p, sk: _s, ...e }) => e as BillLogEntry),
      nextCursor: encodeCursor(res.LastEvaluatedKey),
    };
  },

  async state(bill: BillRef): Promise<BillState | undefined> {
    const { Item } = await db.send(
      new GetCommand({
        TableName: table,
        Key: { pk: billKey.pk(bill.orgId, bill.billId), sk: billKey.state },
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    const { pk: _p, sk: _s, ...s } = Item;
    return s as BillState;
  },

  /**
   * Record the bill as the cloud now has it, and which invoices it uses. One transaction when it
   * fits (≤ 100 items), so a crash leaves the old state whole; a larger bill writes its "used by"
   * entries first and STATE last, so after a crash the redelivery still reads the old STATE as
   * `previous` and finishes the job (no stale "used by" entry is left).
   */
  async saveState(s: BillState, previous: string[]): Promise<void> {
    const serialNos = [...new Set(s.serialNos)];
    const state = { ...s, serialNos };
    const bill = billKey.pk(s.orgId, s.billId);
    const use = (serial: string) => ({ pk: billKey.use(s.orgId, serial), sk: bill });
    const removed = [...new Set(previous)].filter((x) => !serialNos.includes(x));
    const writes = [
      ...removed.map((x) => ({ Delete: { TableName: table, Key: use(x) } })),
      ...serialNos.map((x) => ({
        Put: { TableName: table, Item: { ...use(x), billId: s.billId } },
      })),
      { Put: { TableName: table, Item: { pk: bill, sk: billKey.state, ...state } } },
    ];
    if (writes.length <= 100) {
      await db.send(new TransactWriteCommand({ TransactItems: writes }));
      return;
    }
    for (const w of writes) {
      if ('Delete' in w) await db.send(new DeleteCommand(w.Delete));
      else await db.send(new PutCommand(w.Put));
    }
  },

  /** Bills of this org (other than `billId`) that use this invoice. */
  async otherBillsUsing(orgId: string, serialNo: string, billId: string): Promise<string[]> {
    const { Items } = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': billKey.use(orgId, serialNo) },
        ConsistentRead: true,
      }),
    );
    return (Items ?? []).map((i) => i.billId as string).filter((b) => b !== billId);
  },

  /**
   * What an earlier delivery of this event did, in one read of its partition: whether it was
   * processed (and how it ended) and which cloud steps it already applied.
   */
  async eventState(ev: EventRef): Promise<{ outcome?: string; steps: Set<string> }> {
    const key = billKey.event(ev, ev.eventId);
    const { Items = [] } = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': key.pk },
        ConsistentRead: true,
      }),
    );
    const marker = Items.find((i) => i.sk === key.sk);
    return {
      ...(marker ? { outcome: marker.outcome as string } : {}),
      steps: new Set(
        Items.filter((i) => String(i.sk).startsWith('STEP#')).map((i) => String(i.sk).slice(5)),
      ),
    };
  },

  /** Mark an event processed, once. False when it already was (a concurrent duplicate). */
  markProcessed: (ev: EventRef, outcome: string, at: string): Promise<boolean> =>
    putIfAbsent(db, table, { ...billKey.event(ev, ev.eventId), billId: ev.billId, outcome, at }),

  /**
   * Take the event for one delivery until `until` (ISO): false while another delivery holds it,
   * so two copies of one message never call the cloud side by side. An expired claim (a crashed
   * delivery) is taken over.
   */
  async claimEvent(ev: EventRef, owner: string, now: string, until: string): Promise<boolean> {
    return conditional(
      db.send(
        new PutCommand({
          TableName: table,
          Item: { pk: billKey.event(ev, ev.eventId).pk, sk: 'CLAIM', owner, until },
          ConditionExpression: 'attribute_not_exists(pk) OR #u < :now',
          ExpressionAttributeNames: { '#u': 'until' },
          ExpressionAttributeValues: { ':now': now },
        }),
      ),
    );
  },

  /** Give the event back (only this delivery's own claim). */
  async releaseEvent(ev: EventRef, owner: string): Promise<void> {
    await conditional(
      db.send(
        new DeleteCommand({
          TableName: table,
          Key: { pk: billKey.event(ev, ev.eventId).pk, sk: 'CLAIM' },
          ConditionExpression: '#o = :o',
          ExpressionAttributeNames: { '#o': 'owner' },
          ExpressionAttributeValues: { ':o': owner },
        }),
      ),
    );
  },

  async markStep(ev: EventRef, step: string, at: string): Promise<void> {
    await db.send(
      new PutCommand({
        TableName: table,
        Item: { pk: billKey.event(ev, ev.eventId).pk, sk: `STEP#${step}`, at },
      }),
    );
  },

  /**
   * Remember an `Idempotency-Key` (create-once, expiring at `expiresAt`, epoch seconds): null when
   * this call created it, else what the key created before.
   */
  async rememberIdempotencyKey(
    orgId: string,
    key: string,
    r: IdempotencyRecord & { expiresAt: number },
  ): Promise<IdempotencyRecord | null> {
    const id = billKey.idempotency(orgId, key);
    for (let tries = 0; tries < 3; tries++) {
      if (await putIfAbsent(db, table, { ...id, ...r })) return null;
      const { Item } = await db.send(
        new GetCommand({ TableName: table, Key: id, ConsistentRead: true }),
      );
      // Gone in between: the request that created it failed to enqueue and forgot it.
      if (Item) return { eventId: Item.eventId as string, bodyHash: Item.bodyHash as string };
    }
    throw new Error(`Idempotency-Key ${key}: neither created nor found`);
  },

  /** Forget a key whose event could not be enqueued (only the event it created). */
  async forgetIdempotencyKey(orgId: string, key: string, eventId: string): Promise<void> {
    await conditional(
      db.send(
        new DeleteCommand({
          TableName: table,
          Key: billKey.idempotency(orgId, key),
          ConditionExpression: 'eventId = :e',
          ExpressionAttributeValues: { ':e': eventId },
        }),
      ),
    );
  },

  /** Keep a copy of a message on its last receive, so operators can list what went to the DLQ. */
  async recordDeadLetter(m: {
    eventId: string;
    body: string;
    error: string;
    receives: number;
    at: string;
  }): Promise<void> {
    await db.send(
      new PutCommand({
        TableName: table,
        Item: {
          pk: `DEAD#${m.eventId}`,
          sk: 'DEAD',
          gsi1pk: billKey.deadIndex,
          gsi1sk: `${m.at}#${m.eventId}`,
          ...m,
        },
      }),
    );
  },

  /** The event ended (a redrive applied or skipped it): it is no longer a dead letter. */
  async clearDeadLetter(eventId: string): Promise<void> {
    await db.send(
      new DeleteCommand({ TableName: table, Key: { pk: `DEAD#${eventId}`, sk: 'DEAD' } }),
    );
  },

  async deadLetters(limit: number, cursor?: string) {
    const res = await db.send(
      new QueryCommand({
        TableName: table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': billKey.deadIndex },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: decodeCursor(cursor, {
          pk: true,
          sk: true,
          gsi1pk: billKey.deadIndex,
          gsi1sk: true,
        }),
      }),
    );
    return {
      items: (res.Items ?? []).map((i) => ({
        eventId: i.eventId as string,
        body: i.body as string,
        error: i.error as string,
        receives: i.receives as number,
        at: i.at as string,
      })),
      nextCursor: encodeCursor(res.LastEvaluatedKey),
    };
  },
});
export type BillStore = ReturnType<typeof makeBillStore>;
export type { WritebackMessage };
