/**
 * The invoice pool (operator, read-only): search by org, kind, number and status; one invoice
 * with its attachments, linked users and local edit state.
 */
import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, withQuery, type Page } from '../api.js';
import { lang, t } from '../i18n.js';
import { OrgSelect, useOrgs } from '../orgs.js';
import { cst } from '../time.js';
import { Field, html, inputValue, Notice, Pager, Table, usePaged, type Column } from '../ui.js';

type Label = { zh: string; en: string } | null;
export interface Invoice {
  invoiceId: string;
  serialNo: string;
  invoiceCode: string | null;
  invoiceNo: string;
  invoiceDate: string;
  invoiceTypeLabel?: Label;
  invoiceStatusLabel?: Label;
  salerName: string | null;
  buyerName: string | null;
  totalAmount: string | number;
  expendStatus: number;
  checkStatus: number;
  modified: boolean;
  annotation: string | null;
  updatedAt: string;
  attachments: { attachmentId: string; fileName: string; url: string | null }[];
  linkedUsers?: string[];
}

const label = (l: Label | undefined): string => (l ? (lang() === 'en' ? l.en : l.zh) : '');
const EMPTY = { orgId: '', type: 'input', invoiceNo: '', expendStatus: '', checkStatus: '' };

export function PoolScreen(): VNode {
  const orgs = useOrgs();
  const [draft, setDraft] = useState(EMPTY);
  const [filter, setFilter] = useState(EMPTY);
  const [open, setOpen] = useState<Invoice | null>(null);
  useEffect(() => {
    const first = orgs[0]?.orgId;
    if (!first) return;
    // Functional updates: a search typed before the orgs arrived is kept, only its org filled in.
    setDraft((d) => (d.orgId ? d : { ...d, orgId: first }));
    setFilter((f) => (f.orgId ? f : { ...f, orgId: first }));
  }, [orgs]);
  const list = usePaged(
    async (cursor) => {
      if (!filter.orgId) return { items: [], nextCursor: null };
      return api<Page<Invoice>>(
        'GET',
        withQuery('/pool/invoices', { ...filter, limit: 20, cursor }),
      );
    },
    [JSON.stringify(filter)],
  );
  const columns: Column<Invoice>[] = [
    { label: 'invoiceNo', cell: (i) => i.invoiceNo },
    { label: 'invoiceCode', cell: (i) => i.invoiceCode ?? '' },
    { label: 'invoiceDate', cell: (i) => i.invoiceDate },
    { label: 'invoiceType', cell: (i) => label(i.invoiceTypeLabel) },
    { label: 'salerName', cell: (i) => i.salerName ?? '' },
    { label: 'totalAmount', cell: (i) => i.totalAmount },
    { label: 'expendStatus', cell: (i) => i.expendStatus },
    { label: 'checkStatus', cell: (i) => i.checkStatus },
    { label: 'modified', cell: (i) => (i.modified ? t('yes') : t('no')) },
  ];
  const set = (k: keyof typeof EMPTY) => (e: Event) => setDraft({ ...draft, [k]: inputValue(e) });
  return html`<section data-testid="screen-pool">
    <div class="filters">
      <${Field} label="org">
        <${OrgSelect}
          orgs=${orgs}
          value=${draft.orgId}
          onChange=${(orgId: string) => setDraft({ ...draft, orgId })}
        />
      <//>
      <${Field} label="type">
        <select name="type" value=${draft.type} onChange=${set('type')}>
          <option value="input">${t('input')}</option>
          <option value="output">${t('output')}</option>
        </select>
      <//>
      <${Field} label="invoiceNo"
        ><input name="invoiceNo" value=${draft.invoiceNo} onInput=${set('invoiceNo')}
      /><//>
      <${Field} label="expendStatus">
        <input
          name="expendStatus"
          size="4"
          value=${draft.expendStatus}
          onInput=${set('expendStatus')}
        />
      <//>
      <${Field} label="checkStatus">
        <input
          name="checkStatus"
          size="4"
          value=${draft.checkStatus}
          onInput=${set('checkStatus')}
        />
      <//>
      <button class="primary" data-testid="search" onClick=${() => setFilter(draft)}>
        ${t('search')}
      </button>
    </div>
    <${Notice} error=${list.error} />
    <${Table}
      testId="invoices"
      columns=${columns}
      rows=${list.items}
      rowKey=${(i: Invoice) => i.invoiceId}
      onRow=${setOpen}
    />
    <${Pager} ...${list} />
    ${
      open
        ? html`<${InvoiceDetail}
            orgId=${filter.orgId}
            invoiceId=${open.invoiceId}
            onClose=${() => setOpen(null)}
          />`
        : null
    }
  </section>`;
}

function InvoiceDetail(p: { orgId: string; invoiceId: string; onClose: () => void }): VNode {
  const [inv, setInv] = useState<Invoice | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const path = withQuery(`/pool/invoices/${encodeURIComponent(p.invoiceId)}`, { orgId: p.orgId });
    api<Invoice>('GET', path).then(setInv, (e: Error) => setError(e.message));
  }, [p.invoiceId]);
  const row = (k: Parameters<typeof t>[0], v: string | number | null | undefined) =>
    html`<tr>
      <th>${t(k)}</th>
      <td>${String(v ?? '')}</td>
    </tr>`;
  return html`<div class="panel drawer" data-testid="invoice-detail">
    <${Notice} error=${error} />
    ${
      inv
        ? html`<h3>${inv.invoiceNo} · ${label(inv.invoiceTypeLabel)}</h3>
            <table class="kv">
              <tbody>
                ${row('serialNo', inv.serialNo)} ${row('invoiceDate', inv.invoiceDate)}
                ${row('salerName', inv.salerName)} ${row('buyerName', inv.buyerName)}
                ${row('totalAmount', inv.totalAmount)}
                ${row('invoiceStatus', label(inv.invoiceStatusLabel))}
                ${row('expendStatus', inv.expendStatus)} ${row('checkStatus', inv.checkStatus)}
                ${row('annotation', inv.annotation)} ${row('updatedAt', cst(inv.updatedAt))}
                <tr data-testid="modified">
                  <th>${t('modified')}</th>
                  <td>${inv.modified ? t('yes') : t('no')}</td>
                </tr>
                <tr data-testid="linked-users">
                  <th>${t('linkedUsers')}</th>
                  <td>${(inv.linkedUsers ?? []).join(', ') || '—'}</td>
                </tr>
              </tbody>
            </table>
            <h4>${t('attachments')}</h4>
            <ul data-testid="attachments">
              ${inv.attachments.map(
                (a) =>
                  html`<li key=${a.attachmentId}>
                    ${
                      a.url
                        ? html`<a href=${a.url} target="_blank" rel="noopener noreferrer">
                            ${a.fileName}
                          </a>`
                        : a.fileName
                    }
                  </li>`,
              )}
            </ul>`
        : html`<p>${t('loading')}</p>`
    }
    <button onClick=${p.onClose}>${t('close')}</button>
  </div>`;
}
