/** Reconciliation: the cloud's ledger for an org/type/date against the pool, differences listed. */
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { api, withQuery } from '../api.js';
import { t, tCode } from '../i18n.js';
import { OrgSelect, type OrgRow } from '../orgs.js';
import { Field, html, inputValue, Notice, Table, useAction } from '../ui.js';

interface Difference {
  serialNo: string;
  side: string;
  invoiceTypeLabel?: { zh: string; en: string } | null;
}
interface Result {
  cloudCount: number;
  poolCount: number;
  matched: boolean;
  differences: Difference[];
}

export function Reconcile(p: { orgs: OrgRow[]; onClose: () => void }): VNode {
  const [q, setQ] = useState({ orgId: '', type: 'input', dataDate: '' });
  const [result, setResult] = useState<Result | null>(null);
  const act = useAction();
  const go = () =>
    act.run(async () => {
      setResult(await api<Result>('GET', withQuery('/sync/reconcile', q)));
    });
  return html`<div class="panel" data-testid="reconcile-form">
    <h3>${t('reconcile')}</h3>
    <div class="filters">
      <${Field} label="org">
        <${OrgSelect}
          orgs=${p.orgs}
          value=${q.orgId}
          onChange=${(orgId: string) => setQ({ ...q, orgId })}
          blank
        />
      <//>
      <${Field} label="type">
        <select
          name="type"
          value=${q.type}
          onChange=${(e: Event) => setQ({ ...q, type: inputValue(e) })}
        >
          <option value="input">${t('input')}</option>
          <option value="output">${t('output')}</option>
        </select>
      <//>
      <${Field} label="dataDate">
        <input
          type="date"
          value=${q.dataDate}
          onInput=${(e: Event) => setQ({ ...q, dataDate: inputValue(e) })}
        />
      <//>
      <button class="primary" data-testid="run-reconcile" onClick=${() => void go()}>
        ${t('reconcile')}
      </button>
      <button onClick=${p.onClose}>${t('close')}</button>
    </div>
    <${Notice} error=${act.error} />
    ${
      result
        ? html`<p data-testid="reconcile-result">
              ${t('cloudCount')}: <b>${result.cloudCount}</b> · ${t('poolCount')}:
              <b>${result.poolCount}</b> · ${result.matched ? t('matched') : t('notMatched')}
            </p>
            <${Table}
              testId="differences"
              rows=${result.differences}
              rowKey=${(d: Difference) => `${d.side}${d.serialNo}`}
              columns=${[
                { label: 'serialNo', cell: (d: Difference) => d.serialNo },
                { label: 'side', cell: (d: Difference) => tCode('side_', d.side) },
              ]}
            />`
        : null
    }
  </div>`;
}
