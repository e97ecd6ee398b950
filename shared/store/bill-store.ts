import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { BillLogEntry, WritebackMessage } from '../schemas/bills.js';
import { decodeCursor, encodeCursor, putIfAbsent } from './dynamo.js';
import { billKey } from './keys.js';

export interface BillState {
  billId: string;
  billNo: string;
  orgId: string;
  serialNos: string[];
  billStatus: string;
  deleted: boolean;
  updatedAt: string;
}

/** Write-back logs, each bill's last written state, which bills use an invoice, processed events, dead letters. */
export const makeBillStore = (db: DynamoDBDocumentClient, table: string) => ({
  async log(e: BillLogEntry): Promise<void> {
    await db.send(
      new PutCommand({
        TableName: table,
        Item: {
          pk: billKey.pk(e.billId),
          sk: billKey.logSk(e.at, e.eventId, `${e.step}#${e.attempt}`),
          ...e,
        },
      }),
    );
  },

  async logs(
    billId: string,
    limit: number,
    cursor?: string,
  ): Promise<{ items: BillLogEntry[]; nextCursor: string | null }> {
    const res = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :l)',
        ExpressionAttributeValues: { ':p': billKey.pk(billId), ':l': 'LOG#' },
        Limit: limit,
        ExclusiveStartKey: decodeCursor(cursor),
      }),
    );
    return {
      items: (res.Items ?? []).map(({ pk: _p, sk: _s, ...e }) => e as BillLogEntry),
      nextCursor: encodeCursor(res.LastEvaluatedKey),
    };
  },

  async state(billId: string): Promise<BillState | undefined> {
    const { Item } = await db.send(
      new GetCommand({
        TableName: table,
        Key: { pk: billKey.pk(billId), sk: 'STATE' },
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
    const use = (serial: string) => ({ pk: `USE#${s.orgId}#${serial}`, sk: billKey.pk(s.billId) });
    const removed = [...new Set(previous)].filter((x) => !serialNos.includes(x));
    const writes = [
      ...removed.map((x) => ({ Delete: { TableName: table, Key: use(x) } })),
      ...serialNos.map((x) => ({
        Put: { TableName: table, Item: { ...use(x), billId: s.billId } },
      })),
      { Put: { TableName: table, Item: { pk: billKey.pk(s.billId), sk: 'STATE', ...state } } },
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

  /** Bills (other than `billId`) that use this invoice. */
  async otherBillsUsing(orgId: string, serialNo: string, billId: string): Promise<string[]> {
    const { Items } = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': `USE#${orgId}#${serialNo}` },
        ConsistentRead: true,
      }),
    );
    return (Items ?? []).map((i) => i.billId as string).filter((b) => b !== billId);
  },

  /**
   * What an earlier delivery of this event did, in one read of its partition: whether it was processed (and
   * how it ended) and which cloud steps it already applied.
   */
  async eventState(eventId: string): Promise<{ outcome?: string; steps: Set<string> }> {
    const { Items = [] } = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': billKey.event(eventId).pk },
        ConsistentRead: true,
      }),
    );
    const marker = Items.find((i) => i.sk === billKey.event(eventId).sk);
    return {
      ...(marker ? { outcome: marker.outcome as string } : {}),
      steps: new Set(
        Items.filter((i) => String(i.sk).startsWith('STEP#')).map((i) => String(i.sk).slice(5)),
      ),
    };
  },

  /** Mark an event processed, once. False when it already was (a concurrent duplicate). */
  markProcessed: (eventId: string, billId: string, outcome: string, at: string): Promise<boolean> =>
    putIfAbsent(db, table, { ...billKey.event(eventId), billId, outcome, at }),

  /**
   * Take the event for one delivery until `until` (ISO): false while another delivery holds it,
   * so two copies of one message never call the cloud side by side. An expired claim (a crashed
   * delivery) is taken over.
   */
  async claimEvent(eventId: string, owner: string, now: string, until: string): Promise<boolean> {
    try {
      await db.send(
        new PutCommand({
          TableName: table,
          Item: { pk: billKey.event(eventId).pk, sk: 'CLAIM', owner, until },
          ConditionExpression: 'attribute_not_exists(pk) OR #u < :now',
          ExpressionAttributeNames: { '#u': 'until' },
          ExpressionAttributeValues: { ':now': now },
        }),
      );
      return true;
    } catch (e) {
      if ((e as Error).name === 'ConditionalCheckFailedException') return false;
      throw e;
    }
  },

  /** Give the event back (only this delivery's own claim). */
  async releaseEvent(eventId: string, owner: string): Promise<void> {
    try {
      await db.send(
        new DeleteCommand({
          TableName: table,
          Key: { pk: billKey.event(eventId).pk, sk: 'CLAIM' },
          ConditionExpression: '#o = :o',
          ExpressionAttributeNames: { '#o': 'owner' },
          ExpressionAttributeValues: { ':o': owner },
        }),
      );
    } catch (e) {
      if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
    }
  },

  async markStep(eventId: string, step: string, at: string): Promise<void> {
    await db.send(
      new PutCommand({
        TableName: table,
        Item: { pk: billKey.event(eventId).pk, sk: `STEP#${step}`, at },
      }),
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

  async deadLetters(limit: number, cursor?: string) {
    const res = await db.send(
      new QueryCommand({
        TableName: table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': billKey.deadIndex },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: decodeCursor(cursor),
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
