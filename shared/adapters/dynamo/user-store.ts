import {
  GetCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConditionFailed, Conflict } from '../../domain/errors.js';
import type { User } from '../../domain/schemas/users.js';
import { batchGetAll } from './dynamo.js';
import { configKey } from './keys.js';

/**
 * The user directory (its own users table). A phone number belongs to one user at a time (a claim
 * item). Reads are consistent and the user item is replaced only from the version read, so a stale
 * or racing write retries instead of leaving an old phone's claim behind.
 */
export const makeUserStore = (db: DynamoDBDocumentClient, table: string) => {
  const read = async (key: Record<string, string>) =>
    (await db.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
  const get = async (userId: string): Promise<User | undefined> => {
    const Item = await read(configKey.user(userId));
    return Item ? strip(Item) : undefined;
  };
  /** The claim's holder; orphaned when that user now has another phone (or is gone). */
  const holder = async (
    phone: string,
  ): Promise<{ userId: string; orphan: boolean } | undefined> => {
    const claim = await read(configKey.phone(phone));
    if (!claim) return undefined;
    const userId = claim.userId as string;
    return { userId, orphan: (await get(userId))?.phone !== phone };
  };

  /** One attempt: the user item (from the version read), its claim, the old phone's release. */
  const write = async (user: User, old: User | undefined): Promise<void> => {
    const claim = await holder(user.phone);
    if (claim && claim.userId !== user.userId && !claim.orphan)
      throw new Conflict('phone: this phone number belongs to another user');
    const taking = claim && claim.userId !== user.userId ? claim.userId : undefined;
    const release =
      old && old.phone !== user.phone ? await read(configKey.phone(old.phone)) : undefined;
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: table,
              Item: { ...configKey.user(user.userId), ...user },
              ...(old
                ? {
                    ConditionExpression: 'phone = :old AND updatedAt = :at',
                    ExpressionAttributeValues: { ':old': old.phone, ':at': old.updatedAt },
                  }
                : { ConditionExpression: 'attribute_not_exists(pk)' }),
            },
          },
          {
            Put: {
              TableName: table,
              Item: { ...configKey.phone(user.phone), userId: user.userId },
              ConditionExpression: taking
                ? 'userId = :was'
                : 'attribute_not_exists(pk) OR userId = :u',
              ExpressionAttributeValues: taking ? { ':was': taking } : { ':u': user.userId },
            },
          },
          ...(taking
            ? [
                {
                  ConditionCheck: {
                    TableName: table,
                    Key: configKey.user(taking),
                    ConditionExpression: 'attribute_not_exists(pk) OR phone <> :p',
                    ExpressionAttributeValues: { ':p': user.phone },
                  },
                },
              ]
            : []),
          ...(old && release?.userId === user.userId
            ? [
                {
                  Delete: {
                    TableName: table,
                    Key: configKey.phone(old.phone),
                    ConditionExpression: 'userId = :u',
                    ExpressionAttributeValues: { ':u': user.userId },
                  },
                },
              ]
            : []),
        ],
      }),
    );
  };

  return {
    get,

    /**
     * Upsert; the user item, its phone claim and the release of an old phone move together. A lost
     * race (the user or a claim changed since it was read) re-reads and tries again; a phone held
     * by another user is a 409. An orphaned claim (its user holds another phone now) is taken over.
     * Given `build`, the user is built from the record as read (undefined: none), again on each
     * retry, so a rule it applies to the old record holds against racing writes.
     */
    async put(
      next: User | { userId: string; build: (old: User | undefined) => User },
    ): Promise<{ created: boolean }> {
      for (let attempt = 0; attempt < PUT_ATTEMPTS; attempt++) {
        const old = await get(next.userId);
        const user = 'build' in next ? next.build(old) : next;
        try {
          await write(user, old);
          return { created: !old };
        } catch (e) {
          if ((e as Error).name !== 'TransactionCanceledException') throw e;
        }
      }
      throw new ConditionFailed('the user changed meanwhile; read it again and retry');
    },

    /**
     * The users holding these phones, in two consistent batch reads (claims, then their users; 100
     * keys per request). A phone with no holder is absent, as is one whose claim's user now has
     * another phone.
     */
    async byPhones(phones: string[]): Promise<Map<string, User>> {
      if (!phones.length) return new Map();
      const asked = new Map(phones.map((p) => [configKey.phone(p).pk, p]));
      const claims = await batchGetAll(db, table, phones.map(configKey.phone));
      const ids = [...new Set(claims.map((c) => c.userId as string))];
      const users = ids.length ? await batchGetAll(db, table, ids.map(configKey.user)) : [];
      const byId = new Map(users.map((i) => [i.userId as string, strip(i)]));
      const out = new Map<string, User>();
      for (const c of claims) {
        const user = byId.get(c.userId as string);
        const phone = asked.get(c.pk as string);
        if (phone && user?.phone === phone) out.set(phone, user);
      }
      return out;
    },
  };
};
const PUT_ATTEMPTS = 5;
export type UserStore = ReturnType<typeof makeUserStore>;

const strip = ({ pk: _p, sk: _s, ...u }: Record<string, unknown>): User => u as unknown as User;
