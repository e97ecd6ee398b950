/** The console's language: zh-CN by default, English by the switch (kept in localStorage). */
import { en } from './i18n/en.js';
import { zhCN, type Key } from './i18n/zh-CN.js';

export type Lang = 'zh-CN' | 'en';
const DICTS = { 'zh-CN': zhCN, en } as const;
const STORE_KEY = 'icb.lang';

let current: Lang = localStorage.getItem(STORE_KEY) === 'en' ? 'en' : 'zh-CN';

export const lang = (): Lang => current;

export const setLang = (l: Lang): void => {
  current = l;
  localStorage.setItem(STORE_KEY, l);
  document.documentElement.lang = l;
};

/** A label, with `{name}` placeholders filled. */
export const t = (key: Key, vars: Record<string, string | number> = {}): string =>
  DICTS[current][key].replace(/\{(\w+)\}/g, (_, n: string) => String(vars[n] ?? ''));

/** A label for a code whose key is built from a prefix (`runStatus_`, `op_` …), else the code. */
export const tCode = (prefix: string, code: string | null | undefined): string => {
  if (code === null || code === undefined) return '';
  const key = `${prefix}${code}`;
  return key in zhCN ? t(key as Key) : code;
};
