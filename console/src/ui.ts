/** Shared pieces of every screen: the html tag, tables, the cursor pager, notices, fields. */
import type { ComponentChildren, VNode } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { html as htmPreact } from 'htm/preact';
import type { Page } from './api.js';
import { t } from './i18n.js';
import type { Key } from './i18n/zh-CN.js';

/** htm bound to Preact's `h`: components written as tagged templates, no JSX build step. */
export const html = htmPreact as (s: TemplateStringsArray, ...v: unknown[]) => VNode;

export interface Column<T> {
  label: Key;
  cell: (row: T) => ComponentChildren;
}

/** A table of rows; `testId` names it for the browser tests. */
export function Table<T>(p: {
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  testId: string;
  onRow?: (row: T) => void;
}): VNode {
  return html`<table class="grid" data-testid=${p.testId}>
    <thead>
      <tr>
        ${p.columns.map((c) => html`<th>${t(c.label)}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${
        p.rows.length === 0
          ? html`<tr>
              <td class="empty" colspan=${p.columns.length}>${t('empty')}</td>
            </tr>`
          : p.rows.map(
              (r) =>
                html`<tr
                  key=${p.rowKey(r)}
                  class=${p.onRow ? 'clickable' : ''}
                  onClick=${() => p.onRow?.(r)}
                >
                  ${p.columns.map((c) => html`<td>${c.cell(r)}</td>`)}
                </tr>`,
            )
      }
    </tbody>
  </table>`;
}

/** A list read page by page with the API's `nextCursor` (and back, by the cursors seen). */
export function usePaged<T>(load: (cursor?: string) => Promise<Page<T>>, deps: unknown[]) {
  const [stack, setStack] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<Page<T>>({ items: [], nextCursor: null });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const cursor = stack[stack.length - 1];
  // Only the newest request's answer is shown: a slower answer for an earlier filter (another
  // org, an older page) arriving late must not replace it.
  const latest = useRef(0);
  const reload = useCallback(async () => {
    const n = ++latest.current;
    setBusy(true);
    try {
      const answer = await load(cursor);
      if (n !== latest.current) return;
      setPage(answer);
      setError(null);
    } catch (e) {
      if (n === latest.current) setError((e as Error).message);
    } finally {
      if (n === latest.current) setBusy(false);
    }
  }, [cursor, ...deps]);
  useEffect(() => {
    void reload();
  }, [reload]);
  useEffect(() => setStack([undefined]), deps);
  return {
    ...page,
    error,
    busy,
    reload,
    pageNo: stack.length,
    next: () => page.nextCursor && setStack([...stack, page.nextCursor]),
    prev: () => stack.length > 1 && setStack(stack.slice(0, -1)),
  };
}

export function Pager(p: {
  pageNo: number;
  nextCursor: string | null;
  next: () => void;
  prev: () => void;
}): VNode {
  return html`<div class="pager">
    <button disabled=${p.pageNo <= 1} onClick=${p.prev}>${t('prev')}</button>
    <span>${t('page', { n: p.pageNo })}</span>
    <button disabled=${!p.nextCursor} data-testid="next-page" onClick=${p.next}>
      ${t('next')}
    </button>
  </div>`;
}

/** An API error (its message as the API gave it) or an information line. */
export function Notice(p: { error?: string | null; info?: string | null }): VNode | null {
  if (p.error)
    return html`<div class="notice error" role="alert" data-testid="error">
      ${t('errorPrefix')}: ${p.error}
    </div>`;
  if (p.info) return html`<div class="notice info" data-testid="info">${p.info}</div>`;
  return null;
}

/** A labelled field around any input. */
export function Field(p: { label: Key; children: ComponentChildren }): VNode {
  return html`<label class="field"><span>${t(p.label)}</span>${p.children}</label>`;
}

/** A select over codes, labelled by a dictionary prefix, with "all" first. */
export function CodeSelect(p: {
  codes: readonly string[];
  value: string;
  onChange: (v: string) => void;
  label: (code: string) => string;
  name: string;
  withAll?: boolean;
}): VNode {
  return html`<select
    name=${p.name}
    value=${p.value}
    onChange=${(e: Event) => p.onChange((e.target as HTMLSelectElement).value)}
  >
    ${p.withAll === false ? null : html`<option value="">${t('all')}</option>`}
    ${p.codes.map((c) => html`<option value=${c}>${p.label(c)}</option>`)}
  </select>`;
}

/** Run an action, reporting its outcome as info or its error message. */
export function useAction() {
  const [error, setError] = useState<string | null>(null);
  const [info, setInfo] = useState<string | null>(null);
  const run = async (fn: () => Promise<string | null | void>) => {
    setError(null);
    setInfo(null);
    try {
      setInfo((await fn()) ?? null);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return { error, info, run };
}

export const inputValue = (e: Event): string => (e.target as HTMLInputElement).value;
export const checkedOf = (e: Event): boolean => (e.target as HTMLInputElement).checked;
