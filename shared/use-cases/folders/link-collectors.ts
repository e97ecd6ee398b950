/**
 * Personal folders: link each synced invoice to the users who collected it (matched by phone,
 * checked against the invoice's org), append-only, and record its first linked user, to whom all
 * its attachments are bound. A phone with no user, or a user without the org, is counted (masked
 * sample) — never a failure. Two steps per page: `planFolders` only reads (collectors, existing
 * links, recorded first users: consistent batch reads, so it may run beside the page's invoice
 * writes); `applyFolders` writes, once the invoices are stored — the missing links batch-written
 * (a link's key is its identity: a re-put never makes a second one) and the first users claimed.
 * "First" is decided once, in the invoice's partition (FIRSTUSER, a conditional create-once): the
 * first permitted user in the cloud's `users[]` order of the earliest sync that linked anyone. It
 * is read back consistently, never through an index, which in AWS lags behind the link just
 * written.
 */
import type { Stores } from '../../deps.js';
import { maskPhone } from '../../domain/schemas/common.js';
import type { CloudInvoice, Kind } from '../../domain/schemas/cloud.js';
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
  const phones = await stores.users.byPhones([
    ...new Set(records.flatMap((r) => r.users.map((u) => u.phone))),
  ]);
  const note = (kind: string, phone: string) => {
    const s = `${maskPhone(phone)} (${kind})`;
    if (stats.sample.length < 10 && !stats.sample.includes(s)) stats.sample.push(s);
  };
  const out = new Map<CloudInvoice, string[]>();
  for (const r of records) {
    const ids: string[] = [];
    for (const { phone } of r.users) {
      const user = phones.get(phone);
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

/** What a page's folders need, read before anything is written. */
export interface FolderPlan {
  ctx: { orgId: string; kind: Kind; at: string };
  /** The records naming collectors, each with its permitted users in the cloud's order. */
  users: Map<CloudInvoice, string[]>;
  /** `linkId`s of the wanted links that exist already. */
  existing: Set<string>;
  /** Recorded first users by partition key. */
  firstUsers: Map<string, string>;
  stats: FolderStats;
}

const linksOf = (r: CloudInvoice, userIds: string[], ctx: FolderPlan['ctx']): Link[] =>
  userIds.map((userId) => ({
    userId,
    invoiceId: invoiceIdOf(ctx.orgId, ctx.kind, r.serialNo),
    orgId: ctx.orgId,
    linkedAt: ctx.at,
  }));
const pkOf = (r: CloudInvoice, ctx: FolderPlan['ctx']) =>
  invoiceKey.pk(ctx.orgId, ctx.kind, r.serialNo);

/**
 * Read a page's folder state: collectors by phone, then recorded first users, then the existing
 * links of the invoices that have one. An invoice without a first user has no links: its first
 * user is always claimed before its links are written (`applyFolders`), so a first sync reads no
 * links at all.
 */
export const planFolders = async (
  records: CloudInvoice[],
  ctx: FolderPlan['ctx'],
  stores: Pick<Stores, 'users' | 'links' | 'invoices'>,
): Promise<FolderPlan> => {
  const stats = emptyFolderStats();
  const users = await permittedUsers(
    records.filter((r) => r.users.length),
    ctx.orgId,
    stores,
    stats,
  );
  const named = [...users].filter(([, ids]) => ids.length);
  const firstUsers = await stores.invoices.firstUsers(named.map(([r]) => pkOf(r, ctx)));
  const wanted = named
    .filter(([r]) => firstUsers.has(pkOf(r, ctx)))
    .flatMap(([r, ids]) => linksOf(r, ids, ctx));
  const existing = wanted.length ? await stores.links.existing(wanted) : new Set<string>();
  return { ctx, users, existing, firstUsers, stats };
};

/**
 * Write a planned page's folders for the records now stored (`stored`): first the first user of
 * each invoice none was recorded for (conditional creates, batched in transactions: a racing
 * claimer's user wins and is read back), then the missing links — in that order, so a link never
 * exists without its invoice's first user (what lets `planFolders` skip reading links).
 */
export const applyFolders = async (
  plan: FolderPlan,
  stored: (r: CloudInvoice) => boolean,
  stores: Pick<Stores, 'links' | 'invoices'>,
): Promise<FolderStats> => {
  const { ctx, stats } = plan;
  const named = [...plan.users].filter(([r, ids]) => ids.length && stored(r));
  const fresh = named
    .flatMap(([r, ids]) => linksOf(r, ids, ctx))
    .filter((l) => !plan.existing.has(linkId(l)));
  // One claim per invoice (a transaction may not touch one item twice).
  const toClaim = new Map<string, { pk: string; userId: string; files: number }>();
  for (const [r, ids] of named) {
    const pk = pkOf(r, ctx);
    if (!plan.firstUsers.has(pk) && !toClaim.has(pk))
      toClaim.set(pk, { pk, userId: ids[0]!, files: r.invoiceFiles.length });
  }
  const claims = [...toClaim.values()];
  const claimed = claims.length
    ? await stores.invoices.claimFirstUsers(claims, ctx.at)
    : new Map<string, string | undefined>();
  if (fresh.length) await stores.links.createMany(fresh);
  stats.linked += fresh.length;
  for (const c of claims) if (claimed.get(c.pk) === c.userId) stats.bound += c.files;
  return stats;
};
