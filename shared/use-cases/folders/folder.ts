/**
 * The personal folder and the user directory (SPEC §3.2, §4.1), scoped by org (security review
 * H2): the expense system manages only its own org's users and its own org's membership of a user;
 * a folder shows only the invoices of orgs the reader may see.
 */
import type { Deps } from '../../deps.js';
import { Forbidden, NotFound } from '../../domain/errors.js';
import type { Principal } from '../../adapters/http/jwt.js';
import { assertOrgAccess, assertUserAccess, isOperator } from '../../adapters/http/scope.js';
import type { Invoice } from '../../domain/invoices/overwrite.js';
import type { User } from '../../domain/schemas/users.js';
import { parseInvoiceId } from '../../adapters/dynamo/keys.js';

/**
 * A user's folder, newest link first. `user` reads only its own, `expense` any user of its org,
 * both seeing only their token org's invoices; operators see every org. Anyone else: 404.
 */
export const readFolder = async (
  p: Principal,
  userId: string,
  limit: number,
  cursor: string | undefined,
  deps: Deps<'invoices' | 'links' | 'users', never>,
): Promise<{ items: (Invoice & { linkedAt: string })[]; nextCursor: string | null }> => {
  const user = await deps.stores.users.get(userId);
  assertUserAccess(p, userId, user?.orgIds ?? []);
  if (!user) throw new NotFound(`userId: no user ${userId}`);
  const orgIds = isOperator(p) ? undefined : [p.orgId!];
  const page = await deps.stores.links.folder(userId, limit, cursor, orgIds);
  const items = await Promise.all(
    page.items.map(async (l) => {
      const id = parseInvoiceId(l.invoiceId);
      if (!id || (orgIds && !orgIds.includes(id.orgId))) return undefined;
      const inv = await deps.stores.invoices.get(id.orgId, id.kind, id.serialNo);
      return inv ? { ...inv, linkedAt: l.linkedAt } : undefined;
    }),
  );
  return {
    items: items.filter((i): i is Invoice & { linkedAt: string } => i !== undefined),
    nextCursor: page.nextCursor,
  };
};

type UserInput = Omit<User, 'userId' | 'updatedAt'>;

/**
 * The user record an expense token may write (operators write `input` as given): only a user of
 * its org or a new one (another org's user: 404), granting only its own org (another: 404), with
 * the user's other orgs kept. The name and phone of a user who also belongs to another org are
 * that org's too, so only an operator changes them (403 naming the field).
 */
const scopedUser = (p: Principal, input: UserInput, old: User | undefined): UserInput => {
  if (isOperator(p)) return input;
  if (old) assertUserAccess(p, old.userId, old.orgIds);
  for (const orgId of input.orgIds) assertOrgAccess(p, orgId, 'orgIds');
  const others = (old?.orgIds ?? []).filter((o) => o !== p.orgId);
  if (old && others.length) {
    const shared = 'this user also belongs to another organisation: only an operator changes it';
    if (input.name !== old.name) throw new Forbidden(`name: ${shared}`);
    if (input.phone !== old.phone) throw new Forbidden(`phone: ${shared}`);
  }
  return { ...input, orgIds: [...others, ...input.orgIds] };
};

/**
 * Upsert a user of the directory (`PUT /users/{userId}`), scoped as `scopedUser` says and decided
 * on the record as the store reads it consistently (a racing write re-decides). A phone held by
 * another user is a 409 that does not say who holds it.
 */
export const putUser = async (
  p: Principal,
  userId: string,
  input: UserInput,
  deps: Deps<'users', never>,
): Promise<{ user: User; created: boolean }> => {
  let user: User | undefined;
  const build = (old: User | undefined): User => {
    const scoped = scopedUser(p, input, old);
    const orgIds = [...new Set(scoped.orgIds)];
    return (user = { userId, ...scoped, orgIds, updatedAt: deps.clock().toISOString() });
  };
  const { created } = await deps.stores.users.put({ userId, build });
  return { user: user!, created };
};
