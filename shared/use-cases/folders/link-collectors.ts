/**
 * Personal folders: link each synced invoice to the users who collected it (matched by phone,
 * checked against the invoice's org), append-only, and record its first linked user, to whom all
 * its attachments are bound. A phone with no user, or a user without the org, is counted (masked
 * sample) — never a failure. Two steps per page: `planFolders` only reads (collectors, recorded
 * first users, existing links: consistent batch reads, so it may run beside the page's invoice
 * writes); `applyFolders` writes for the invoices stored: first the first users still unclaimed
 * (conditional creates), then the missing links (batch-written; a link's key is its identity, so a
 * re-put never makes a second one). "First" is decided once, in the invoice's partition
 * (FIRSTUSER): the first permitted user in the cloud's `users[]` order of the earliest sync that
 * linked anyone. It is read back consistently, never through an index, which in AWS lags behind
 * the link just written.
 */
import type { Stores } from '../../deps.js';
import { maskPhone } from '../../domain/schemas/common.js';
import type { CloudInvoice, Kind } from '../../domain/schemas/cloud.js';
import { invoiceIdOf, invoiceKey } from '../../adapters/dynamo/keys.js';
import { linkId, type Link } from '../../adapters/dynamo/link-store.js';
import type { Claim, FirstUser } from '../../adapters/dynamo/invoice-store.js';

export interface FolderStats {
  /** Links written (two writers adding the same new link at one moment both count it). */
  linked: number;
  /** Collectors' phones with no user, and users without the invoice's org (stored records). */
  unmatched: number;
  noPermission: number;
  /** Attachments of the invoices whose first user this writer claimed. */
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

/** A record's collectors: its permitted users in the cloud's order, and the phones left out. */
interface Collectors {
  userIds: string[];
  misses: { kind: 'no user' | 'no permission on the org'; phone: string }[];
}

const collectorsOf = async (
  records: CloudInvoice[],
  orgId: string,
  stores: Pick<Stores, 'users'>,
): Promise<Map<CloudInvoice, Collectors>> => {
  const phones = await stores.users.byPhones([
    ...new Set(records.flatMap((r) => r.users.map((u) => u.phone))),
  ]);
  const out = new Map<CloudInvoice, Collectors>();
  for (const r of records) {
    const c: Collectors = { userIds: [], misses: [] };
    for (const { phone } of r.users) {
      const user = phones.get(phone);
      if (!user) c.misses.push({ kind: 'no user', phone });
      else if (!user.orgIds.includes(orgId))
        c.misses.push({ kind: 'no permission on the org', phone });
      else if (!c.userIds.includes(user.userId)) c.userIds.push(user.userId);
    }
    out.set(r, c);
  }
  return out;
};

/** What a page's folders need, read before anything is written. */
export interface FolderPlan {
  ctx: { orgId: string; kind: Kind; at: string };
  /** The records naming collectors. */
  collectors: Map<CloudInvoice, Collectors>;
  /** Recorded first users by partition key. */
  firstUsers: Map<string, FirstUser>;
  /** `linkId`s of the links read that exist. */
  existing: Set<string>;
}

const linkOf = (r: CloudInvoice, userId: string, ctx: FolderPlan['ctx'], at = ctx.at): Link => ({
  userId,
  invoiceId: invoiceIdOf(ctx.orgId, ctx.kind, r.serialNo),
  orgId: ctx.orgId,
  linkedAt: at,
});
const pkOf = (r: CloudInvoice, ctx: FolderPlan['ctx']) =>
  invoiceKey.pk(ctx.orgId, ctx.kind, r.serialNo);
/**
 * The links an invoice with a recorded first user should have: its collectors', and its first
 * user's own (as of the claim: a writer that died between claim and links left it unwritten).
 */
const dueLinks = (r: CloudInvoice, ids: string[], first: FirstUser, ctx: FolderPlan['ctx']) => [
  ...ids.map((u) => linkOf(r, u, ctx)),
  ...(ids.includes(first.userId) ? [] : [linkOf(r, first.userId, ctx, first.linkedAt)]),
];

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
  const collectors = await collectorsOf(
    records.filter((r) => r.users.length),
    ctx.orgId,
    stores,
  );
  const named = [...collectors].filter(([, c]) => c.userIds.length);
  const firstUsers = await stores.invoices.firstUsers(named.map(([r]) => pkOf(r, ctx)));
  const wanted = named.flatMap(([r, c]) => {
    const first = firstUsers.get(pkOf(r, ctx));
    return first ? dueLinks(r, c.userIds, first, ctx) : [];
  });
  const existing = wanted.length ? await stores.links.existing(wanted) : new Set<string>();
  return { ctx, collectors, firstUsers, existing };
};

/**
 * Write a planned page's folders for the records now stored (`stored`): first the first user of
 * each invoice none was recorded for (single conditional creates; a racing claimer's user wins and
 * is learnt from the refused write), then the missing links — in that order, so a link never
 * exists without its invoice's first user. Where another writer claimed first, it may have linked
 * too: those invoices' links are read before writing, so its links are not written again (two
 * writers adding the same new collector at the same moment can still both write it: the later
 * `linkedAt` stays).
 */
export const applyFolders = async (
  plan: FolderPlan,
  stored: (r: CloudInvoice) => boolean,
  stores: Pick<Stores, 'links' | 'invoices'>,
): Promise<FolderStats> => {
  const { ctx } = plan;
  const stats = emptyFolderStats();
  const page = [...plan.collectors].filter(([r]) => stored(r));
  for (const [, c] of page)
    for (const m of c.misses) {
      if (m.kind === 'no user') stats.unmatched++;
      else stats.noPermission++;
      const s = `${maskPhone(m.phone)} (${m.kind})`;
      if (stats.sample.length < 10 && !stats.sample.includes(s)) stats.sample.push(s);
    }
  const named = page.filter(([, c]) => c.userIds.length);
  // One claim per invoice (a page may repeat a serial).
  const toClaim = new Map<string, { pk: string; userId: string; files: number }>();
  for (const [r, c] of named) {
    const pk = pkOf(r, ctx);
    if (!plan.firstUsers.has(pk) && !toClaim.has(pk))
      toClaim.set(pk, { pk, userId: c.userIds[0]!, files: r.invoiceFiles.length });
  }
  const claimed = toClaim.size
    ? await stores.invoices.claimFirstUsers([...toClaim.values()], ctx.at)
    : new Map<string, Claim>();
  for (const c of toClaim.values()) if (claimed.get(c.pk)?.won) stats.bound += c.files;
  // Links are due for every stored record with collectors: those of invoices claimed by another
  // writer meanwhile may exist already, so they are read now.
  const due = named.flatMap(([r, c]) => {
    const pk = pkOf(r, ctx);
    const first = plan.firstUsers.get(pk) ?? claimed.get(pk)?.first;
    const links = first ? dueLinks(r, c.userIds, first, ctx) : [];
    return links.map((link) => ({ link, lost: toClaim.has(pk) && !claimed.get(pk)?.won }));
  });
  const lost = due.filter((d) => d.lost).map((d) => d.link);
  const existing = lost.length
    ? new Set([...plan.existing, ...(await stores.links.existing(lost))])
    : plan.existing;
  const fresh = [...new Map(due.map(({ link }) => [linkId(link), link])).values()].filter(
    (l) => !existing.has(linkId(l)),
  );
  if (fresh.length) await stores.links.createMany(fresh);
  stats.linked += fresh.length;
  return stats;
};
