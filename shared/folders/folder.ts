/** The personal folder and the user directory, as the expense system uses them. */
import type { Deps } from '../deps.js';
import { Forbidden, NotFound } from '../errors.js';
import type { Principal } from '../http/jwt.js';
import type { Invoice } from '../invoices/merge.js';
import type { User } from '../schemas/users.js';
import { parseInvoiceId } from '../store/keys.js';

/** Expense callers read their own folder; operators any. */
export const assertFolderAccess = (p: Principal, userId: string): void => {
  if (!p.roles.includes('operator') && p.sub !== userId)
    throw new Forbidden('userId: an expense token may read only its own folder');
};

export const readFolder = async (
  userId: string,
  limit: number,
  cursor: string | undefined,
  deps: Deps<'invoices' | 'links' | 'users', never>,
): Promise<{ items: (Invoice & { linkedAt: string })[]; nextCursor: string | null }> => {
  if (!(await deps.stores.users.get(userId))) throw new NotFound(`userId: no user ${userId}`);
  const page = await deps.stores.links.folder(userId, limit, cursor);
  const items = await Promise.all(
    page.items.map(async (l) => {
      const id = parseInvoiceId(l.invoiceId);
      const inv = id && (await deps.stores.invoices.get(id.orgId, id.kind, id.serialNo));
      return inv ? { ...inv, linkedAt: l.linkedAt } : undefined;
    }),
  );
  return {
    items: items.filter((i): i is Invoice & { linkedAt: string } => i !== undefined),
    nextCursor: page.nextCursor,
  };
};

export const putUser = async (
  userId: string,
  input: Omit<User, 'userId' | 'updatedAt'>,
  deps: Deps<'users', never>,
): Promise<{ user: User; created: boolean }> => {
  const user: User = {
    userId,
    ...input,
    orgIds: [...new Set(input.orgIds)],
    updatedAt: deps.clock().toISOString(),
  };
  const { created } = await deps.stores.users.put(user);
  return { user, created };
};
