import {
  GetCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { Conflict } from '../errors.js';
import type { User } from '../schemas/users.js';
import { configKey } from './keys.js';

/** The user directory (config table). A phone number belongs to one user at a time (a claim item). */
export const makeUserStore = (db: DynamoDBDocumentClient, table: string) => ({
  async get(userId: string): Promise<User | undefined> {
    const { Item } = await db.send(
      new GetCommand({ TableName: table, Key: configKey.user(userId) }),
    );
    return Item ? strip(Item) : undefined;
  },

  /** Upsert; the user item, its phone claim and the release of an old phone move together. */
  async put(user: User): Promise<void> {
    const old = await this.get(user.userId);
    try {
      await db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: table, Item: { ...configKey.user(user.userId), ...user } } },
            {
              Put: {
                TableName: table,
                Item: { ...configKey.phone(user.phone), userId: user.userId },
                ConditionExpression: 'attribute_not_exists(pk) OR userId = :u',
                ExpressionAttributeValues: { ':u': user.userId },
              },
            },
            ...(old && old.phone !== user.phone
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
    } catch (e) {
      if ((e as Error).name === 'TransactionCanceledException')
        throw new Conflict('phone: this phone number belongs to another user');
      throw e;
    }
  },

  async byPhone(phone: string): Promise<User | undefined> {
    const { Item } = await db.send(
      new GetCommand({ TableName: table, Key: configKey.phone(phone) }),
    );
    return Item ? this.get(Item.userId as string) : undefined;
  },
});
export type UserStore = ReturnType<typeof makeUserStore>;

const strip = ({ pk: _p, sk: _s, ...u }: Record<string, unknown>): User => u as unknown as User;
