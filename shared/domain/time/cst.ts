/** China Standard Time (UTC+8, no DST) helpers: the invoice cloud speaks CST throughout. */
const CST_OFFSET_MS = 8 * 3600 * 1000;

const pad = (n: number): string => String(n).padStart(2, '0');

/** `yyyy-MM-dd` of an instant, in CST. */
export const cstDate = (at: Date): string => {
  const d = new Date(at.getTime() + CST_OFFSET_MS);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
};

/** `yyyy-MM-dd HH:mm:ss` of an instant, in CST. */
export const cstDateTime = (at: Date): string => {
  const d = new Date(at.getTime() + CST_OFFSET_MS);
  const time = [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()].map(pad).join(':');
  return `${cstDate(at)} ${time}`;
};

/** Shift a `yyyy-MM-dd` date by whole days. */
export const addDays = (date: string, days: number): string => {
  const t = Date.parse(`${date}T00:00:00Z`) + days * 86400000;
  return new Date(t).toISOString().slice(0, 10);
};

/** True when `yyyy-MM-dd` names a real calendar day. */
export const isCalendarDate = (s: string): boolean => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
};
