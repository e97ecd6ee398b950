/** Deterministic invoice data for the simulator: seeded, N orgs × M invoices, realistic mixes. */
import type { CloudInvoice, Kind } from '#shared/domain/schemas/cloud.js';

/** mulberry32: a small seeded PRNG. */
export const prng = (seed: number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

export const hashSeed = (s: string, seed: number): number => {
  let h = seed ^ 0x811c9dc5;
  for (const c of s) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
};

export interface GenOptions {
  taxNo: string;
  orgName: string;
  kind: Kind;
  count: number;
  seed: number;
  /** Last day (CST, yyyy-MM-dd) of the generated updateTimes. */
  endDate: string;
  /** Spread updateTimes over this many days ending at endDate. */
  days: number;
  /** Collector phones to draw from (personal folders). */
  phones: string[];
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
const digits = (r: () => number, n: number) =>
  Array.from({ length: n }, () => Math.floor(r() * 10)).join('');
const money = (cents: number) => (cents / 100).toFixed(2);
const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** Weighted choice: [[value, weight], …]. */
const weighted = <T>(r: () => number, table: [T, number][]): T => {
  let x = r() * table.reduce((s, [, w]) => s + w, 0);
  for (const [v, w] of table) if ((x -= w) < 0) return v;
  return table[table.length - 1]![0];
};

export const cloudTimeOf = (day: string, secondOfDay: number): string => {
  const h = Math.floor(secondOfDay / 3600);
  const m = Math.floor((secondOfDay % 3600) / 60);
  return `${day} ${pad(h, 2)}:${pad(m, 2)}:${pad(secondOfDay % 60, 2)}`;
};

const dayBefore = (day: string, n: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) - n * 86400000).toISOString().slice(0, 10);

/** Generate one invoice; deterministic in (options, index). */
export const generateInvoice = (o: GenOptions, i: number): CloudInvoice => {
  const r = prng(hashSeed(`${o.taxNo}/${o.kind}/${i}`, o.seed));
  // The vendor's codes: 1/2 e-invoice ordinary/special, 27/26 fully digital special/ordinary.
  const type = weighted(r, [
    [1, 5],
    [2, 2],
    [27, 2],
    [26, 1],
  ] as [number, number][]);
  const digital = type === 26 || type === 27;
  const dayIndex = Math.min(o.days - 1, Math.floor((i * o.days) / Math.max(1, o.count)));
  const day = dayBefore(o.endDate, o.days - 1 - dayIndex);
  const lines = 1 + Math.floor(r() * 3);
  const items = Array.from({ length: lines }, (_, k) => {
    const cents = 1000 + Math.floor(r() * 500000);
    const tax = Math.round(cents * 0.06);
    return {
      name:
        pick(r, [
          '*餐饮服务*餐费',
          '*运输服务*客运服务费',
          '*信息技术服务*软件服务',
          '*住宿服务*住宿费',
          '*办公用品*打印纸',
        ]) + (k ? ` ${k}` : ''),
      spec: null,
      unit: pick(r, ['次', '件', '天']),
      quantity: '1',
      unitPrice: money(cents),
      amount: money(cents),
      taxRate: '0.06',
      taxAmount: money(tax),
    };
  });
  const net = items.reduce((s, it) => s + Math.round(Number(it.amount) * 100), 0);
  const tax = items.reduce((s, it) => s + Math.round(Number(it.taxAmount) * 100), 0);
  const serialNo = `${o.kind === 'input' ? 'IN' : 'OUT'}${o.taxNo.slice(-6)}${pad(i, 9)}`;
  const users = o.phones.length
    ? Array.from(
        {
          length: weighted(r, [
            [0, 3],
            [1, 6],
            [2, 1],
          ] as [number, number][]),
        },
        () => ({
          phone: pick(r, o.phones),
          name: pick(r, ['张伟', '王芳', '李娜', '刘洋', '陈静']),
        }),
      )
    : [];
  const files = Array.from(
    {
      length: weighted(r, [
        [0, 3],
        [1, 6],
        [2, 1],
      ] as [number, number][]),
    },
    (_, k) => ({
      fileId: `F${serialNo}-${k}`,
      fileName: k === 0 ? `${serialNo}.pdf` : `${serialNo}-receipt-${k}.jpg`,
      fileType: k === 0 ? 'pdf' : 'jpg',
      fileSize: 20000 + Math.floor(r() * 400000),
      url: `https://files.example-invoice-cloud.com/${serialNo}/${k}`,
    }),
  );
  const party = (prefix: string) =>
    `${pick(r, ['杭州', '上海', '北京', '深圳'])}${prefix}${pick(r, ['科技', '贸易', '餐饮', '物流'])}有限公司`;
  return {
    serialNo,
    invoiceType: type,
    invoiceCode: digital ? null : digits(r, 12),
    invoiceNo: digital ? digits(r, 20) : digits(r, 8),
    invoiceDate: dayBefore(day, Math.floor(r() * 20)),
    salerName: o.kind === 'output' ? o.orgName : party('供应'),
    salerTaxNo: o.kind === 'output' ? o.taxNo : `91${digits(r, 16)}`,
    buyerName: o.kind === 'input' ? o.orgName : party('客户'),
    buyerTaxNo: o.kind === 'input' ? o.taxNo : `91${digits(r, 16)}`,
    invoiceAmount: money(net),
    totalTaxAmount: money(tax),
    totalAmount: money(net + tax),
    items,
    checkStatus: weighted(r, [
      [1, 16],
      [2, 1],
      [3, 3],
    ] as [number, number][]),
    expendStatus: weighted(r, [
      [1, 4],
      [30, 6],
      [60, 8],
      [65, 2],
    ] as [number, number][]),
    invoiceStatus: weighted(r, [
      [0, 18],
      [1, 1],
      [2, 1],
    ] as [number, number][]),
    deductionFlag:
      o.kind === 'input'
        ? weighted(r, [
            [0, 1],
            [1, 1],
          ] as [number, number][])
        : null,
    entryAmount: o.kind === 'input' ? money(net) : null,
    outputAmount: null,
    outputReason: null,
    invoiceTag: r() < 0.3 ? pick(r, ['差旅', '招待', '项目A', '待核对']) : null,
    orderNo: o.kind === 'output' ? `ORD${o.taxNo.slice(-6)}${pad(i, 7)}` : null,
    billNo:
      o.kind === 'input' && r() < 0.5 ? `BX${day.replaceAll('-', '')}${pad(i % 1000, 4)}` : null,
    users,
    invoiceFiles: files,
    billCreateTime: cloudTimeOf(day, Math.floor(r() * 40000)),
    updateTime: cloudTimeOf(day, 40000 + Math.floor(r() * 46000)),
  };
};

/** Generate an org's ledger, sorted as the cloud lists it: updateTime, then serialNo. */
export const generateLedger = (o: GenOptions): CloudInvoice[] =>
  Array.from({ length: o.count }, (_, i) => generateInvoice(o, i)).sort(compareLedger);

export const compareLedger = (a: CloudInvoice, b: CloudInvoice): number =>
  a.updateTime < b.updateTime
    ? -1
    : a.updateTime > b.updateTime
      ? 1
      : a.serialNo < b.serialNo
        ? -1
        : a.serialNo > b.serialNo
          ? 1
          : 0;
