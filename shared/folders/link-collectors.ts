/**
 * Personal folders: link each synced invoice to the users who collected it (matched by phone,
 * checked against the invoice's org), append-only, and bind each unbound attachment to the
 * invoice's first linked user. A phone with no user, or a user without the org, is counted (masked
 * sample) — never a failure. "First" is decided once, in the invoice's partition (FIRSTUSER,
 * create-once): the first permitted user in the cloud's `users[]` order of the earliest sync that
 * linked anyone. It is read back consistently, never through an index, which in AWS lags behind the
 * link just written.
 */
import type { Stores } from '../deps.js';
import { maskPhone } from '../schemas/common.js';
import type { CloudInvoice, Kind } from '../schemas/cloud.js';
import type { User } from '../schemas/users.js';
import { invoiceIdOf, invoiceKey } from '../store/keys.js';

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

const CONCURRENCY = 8;

export const linkCollectors = async (
  records: CloudInvoice[],
  ctx: { orgId: string; kind: Kind; at: string },
  stores: Pick<Stores, 'users' | 'links' | 'invoices'>,
): Promise<FolderStats> => {
  const stats = emptyFolderStats();
  const phones = new Map<string, Promise<User | undefined>>();
  const userOf = (phone: string) => {
    let p = phones.get(phone);
    if (!p) phones.set(phone, (p = stores.users.byPhone(phone)));
    return p;
  };
  const note = (kind: string, phone: string) => {
    const s = `${maskPhone(phone)} (${kind})`;
    if (stats.sample.length < 10 && !stats.sample.includes(s)) stats.sample.push(s);
  };
  const one = async (r: CloudInvoice) => {
    const invoiceId = invoiceIdOf(ctx.orgId, ctx.kind, r.serialNo);
    const pk = invoiceKey.pk(ctx.orgId, ctx.kind, r.serialNo);
    let first: string | undefined;
    let linkedNow = false;
    for (const { phone } of r.users) {
      const user = await userOf(phone);
      if (!user) {
        stats.unmatched++;
        note('no user', phone);
      } else if (!user.orgIds.includes(ctx.orgId)) {
        stats.noPermission++;
        note('no permission on the org', phone);
      } else {
        first ??= user.userId;
        const link = { userId: user.userId, invoiceId, orgId: ctx.orgId, linkedAt: ctx.at };
        if (await stores.links.link(link)) {
          stats.linked++;
          linkedNow = true;
        }
      }
    }
    if (!linkedNow && !r.invoiceFiles.length) return;
    const owner = await stores.invoices.claimFirstUser(pk, first, ctx.at);
    if (!owner) return;
    for (const f of r.invoiceFiles)
      if (await stores.invoices.bindAttachment(pk, f.fileId, owner, ctx.at)) stats.bound++;
  };
  const queue = records.filter((r) => r.users.length || r.invoiceFiles.length);
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, queue.length) }, async () => {
      for (let r = queue.shift(); r; r = queue.shift()) await one(r);
    }),
  );
  return stats;
};
