/**
 * DynamoDB's item-size and write-unit rules, for the cost and fleet benches: UTF-8 attribute names
 * plus value sizes (numbers ≈ their digits, maps and lists + 3), one write unit per started KB of
 * the item and of each index entry it is projected into.
 */
import type { IndexDef } from '#shared/adapters/dynamo/tables.js';

const sizeOf = (v: unknown): number => {
  if (v === null || v === undefined || typeof v === 'boolean') return 1;
  if (typeof v === 'string') return Buffer.byteLength(v);
  if (typeof v === 'number') return Math.ceil(String(v).replace(/^-|\./g, '').length / 2) + 1;
  if (v instanceof Uint8Array) return v.length;
  if (v instanceof Set) return [...(v as Set<unknown>)].reduce<number>((n, x) => n + sizeOf(x), 0);
  if (Array.isArray(v)) return 3 + v.reduce((s: number, x) => s + 1 + sizeOf(x), 0);
  return 3 + Object.entries(v).reduce((s, [k, x]) => s + Buffer.byteLength(k) + sizeOf(x), 0);
};
export const itemSize = (i: Record<string, unknown>) =>
  Object.entries(i).reduce((s, [k, x]) => s + Buffer.byteLength(k) + sizeOf(x), 0);
/** Write units of one item write: one per started KB. */
export const wcu = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));
/**
 * Write units of one item write: the item's, and each index entry's (`all`: as if every index
 * projected ALL), for the indexes whose partition key the item carries.
 */
export const writeUnits = (
  i: Record<string, unknown>,
  indexes: readonly IndexDef[],
  all = false,
): { base: number; index: number; entries: number } => {
  const present = indexes.filter((ix) => i[ix.partitionKey] !== undefined);
  return {
    base: wcu(itemSize(i)),
    index: present.reduce((n, ix) => n + wcu(entrySize(i, ix, all)), 0),
    entries: present.length,
  };
};

/** An index entry: the keys and the projected attributes (all: the item), plus 100 bytes. */
export const entrySize = (i: Record<string, unknown>, ix: IndexDef, all = false) => {
  if (all || ix.project === undefined) return itemSize(i) + 100;
  const keys = ['pk', 'sk', ix.partitionKey, ix.sortKey, ...ix.project];
  return itemSize(Object.fromEntries(keys.filter((k) => k in i).map((k) => [k, i[k]]))) + 100;
};
