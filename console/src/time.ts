/** Dates as operators read them: China time (Asia/Shanghai), whatever the browser's zone. */
const FMT = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

/** An ISO instant as `YYYY-MM-DD HH:mm:ss` China time ('' for none, the input if unreadable). */
export const cst = (iso: string | null | undefined): string => {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : FMT.format(d);
};

/** Today's date in China time, `YYYY-MM-DD` (the default data date). */
export const todayCst = (now = new Date()): string =>
  new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);

/** A `datetime-local` value read as China time, as an ISO instant with offset (or undefined). */
export const cstInputToIso = (v: string): string | undefined =>
  v ? `${v.length === 16 ? `${v}:00` : v}+08:00` : undefined;
