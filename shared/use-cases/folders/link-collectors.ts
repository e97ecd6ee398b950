/**
 * Personal folders: link each synced invoice to the users who collected it (matched by phone,
 * checked against the invoice's org), append-only, and bind each unbound attachment to the
 * invoice's first linked user. A phone with no user, or a user without the org, is counted (masked
 * sample) — never a failure. A page's links are read in one consistent batch and the missing ones
 * batch-written (a link's key is its identity: a re-put never makes a second one). "First" is
 * decided once, in the invoice's partition (FIRSTUSER, a conditional create-once): the first
 * permitted user in the cloud's `users[]` order of the earliest sync that linked anyone. It is read
 * back consistently, never through an index, which in AWS lags behind the link just written.
 */
import type { Stores } from '../../deps.js';
import { maskPhone } from '../../domain/schemas/common.js';
import type { CloudInvoice, Kind } from '../../domain/schemas/cloud.js';
import type { User } from '../../domain/schemas/users.js';
import { invoiceIdOf, invoiceKey } from '../../adapters/dynamo/keys.js';
import { linkId, type Link } from '../../adapters/dynamo/link-store.js';

export interface FolderStats {
  linked: number;
  unmatched: number;
  noPermission: number;
  bound: number;
  sample: string[];
}
export const emptyFolderStats = (): FolderStats => ({
  linked: 0,
  unmatched: 0,
  noPermission: 0,
  bound: 0,
  sample: [],
});

export const addFolderStats = (a: FolderStats | undefined, b: FolderStats): FolderStats => ({
  linked: (a?.linked ?? 0) + b.linked,
  unmatched: (a?.unmatched ?? 0) + b.unmatched,
  noPermission: (a?.noPermission ?? 0) + b.noPermission,
  bound: (a?.bound ?? 0) + b.bound,
  sample: [...(a?.sample ?? []), ...b.sample.filter((s) => !a?.sample.includes(s))].slice(0, 10),
});

/** Each record's permitted users in the cloud's order (once each), the rest counted in `stats`. */
const permittedUsers = async (
  records: CloudInvoice[],
  orgId: string,
  stores: Pick<Stores, 'users'>,
  stats: FolderStats,
): Promise<Map<CloudInvoice, string[]>> => {
  const phones = new Map<string, Promise<User | undefined>>();
  for (const r of records)
    for (const { phone } of r.users)
      if (!phones.has(phone)) phones.set(phone, stores.users.byPhone(phone));
  const note = (kind: string, phone: string) => {
    const s = `${maskPhone(phone)} (${kind})`;
    if (stats.sample.length < 10 && !stats.sample.includes(s)) stats.sample.push(s);
  };
  const out = new Map<CloudInvoice, string[]>();
  for (const r of records) {
    const ids: string[] = [];
    for (const { phone } of r.users) {
      const user = await phones.get(phone)!;
      if (!user) {
        stats.unmatched++;
        note('no user', phone);
      } else if (!user.orgIds.includes(orgId)) {
        stats.noPermission++;
        note('no permission on the org', phone);
      } else if (!ids.includes(user.userId)) ids.push(user.userId);
    }
    out.set(r, ids);
  }
  return out;
};

/**
 * Link a page's stored records to their collectors and bind their attachments: links first, then
 * each invoice's first user (read in one batch, claimed where none is recorded), then the unbound
 * attachments in batches.
 */
export const linkCollectors = async (
  records: CloudInvoice[],
  ctx: { orgId: string; kind: Kind; at: string },
  stores: Pick<Stores, 'users' | 'links' | 'invoices'>,
): Promise<FolderStats> => {
  const stats = emptyFolderStats();
  const queue = records.filter((r) => r.users.length || r.invoiceFiles.length);
  const users = await permittedUsers(queue, ctx.orgId, stores, stats);
  const wanted: Link[] = queue.flatMap((r) =>
    users.get(r)!.map((userId) => ({
      userId,
      invoiceId: invoiceIdOf(ctx.orgId, ctx.kind, r.serialNo),
      orgId: ctx.orgId,
      linkedAt: ctx.at,
    })),
  );
  const existing = wanted.length ? await stores.links.existing(wanted) : new Set<string>();
  const fresh = wanted.filter((l) => !existing.has(linkId(l)));
  if (fresh.length) await stores.links.createMany(fresh);
  stats.linked += fresh.length;
  const linkedNow = new Set(fresh.map((l) => l.invoiceId));
  const pkOf = (r: CloudInvoice) => invoiceKey.pk(ctx.orgId, ctx.kind, r.serialNo);
  const owned = queue.filter(
    (r) => linkedNow.has(invoiceIdOf(ctx.orgId, ctx.kind, r.serialNo)) || r.invoiceFiles.length,
  );
  const files = owned.flatMap((r) =>
    r.invoiceFiles.map((f) => ({ pk: pkOf(r), fileId: f.fileId })),
  );
  const state = await stores.invoices.folderState(owned.map(pkOf), files);
  // The first user: as recorded, else claimed now (conditional creates, batched in transactions:
  // a racing claimer's user wins and is read back).
  const toClaim = owned.flatMap((r) => {
    const first = users.get(r)![0];
    return !state.firstUsers.has(pkOf(r)) && first ? [{ pk: pkOf(r), userId: first }] : [];
  });
  const claimed = toClaim.length
    ? // One claim per invoice (a transaction may not touch one item twice).
      await stores.invoices.claimFirstUsers(
        toClaim.filter((c, i) => toClaim.findIndex((d) => d.pk === c.pk) === i),
        ctx.at,
      )
    : new Map<string, string | undefined>();
  const owners = new Map(
    owned.map((r) => [r, state.firstUsers.get(pkOf(r)) ?? claimed.get(pkOf(r))]),
  );
  const binds = owned.flatMap((r) => {
    const userId = owners.get(r);
    if (!userId) return [];
    return r.invoiceFiles
      .filter((f) => !state.bound.has(`${pkOf(r)}#${f.fileId}`))
      .map((f) => ({ pk: pkOf(r), fileId: f.fileId, userId, at: ctx.at }));
  });
  if (binds.length) await stores.invoices.bindAttachments(binds);
  stats.bound += binds.length;
  return stats;
};
