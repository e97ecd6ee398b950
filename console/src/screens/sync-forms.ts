/** The start forms of 公有云数据迁移: 进项/销项同步 (orgs + data date) and 按单据同步. */
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { OrgSelect, type OrgRow } from '../orgs.js';
import { todayCst } from '../time.js';
import { Field, html, inputValue, Notice, useAction } from '../ui.js';

interface FormProps {
  orgs: OrgRow[];
  onDone: (info: string) => Promise<void>;
  onCancel: () => void;
}

function OrgChecks(p: { orgs: OrgRow[]; picked: string[]; onChange: (ids: string[]) => void }) {
  const toggle = (id: string) =>
    p.onChange(p.picked.includes(id) ? p.picked.filter((x) => x !== id) : [...p.picked, id]);
  return html`<div class="checks" data-testid="org-picker">
    ${p.orgs.map(
      (o) =>
        html`<label key=${o.orgId}>
          <input
            type="checkbox"
            value=${o.orgId}
            checked=${p.picked.includes(o.orgId)}
            onChange=${() => toggle(o.orgId)}
          />
          ${o.orgName} <small>${o.orgId}</small>
        </label>`,
    )}
  </div>`;
}

export function SyncForm(p: FormProps & { type: 'input' | 'output' }): VNode {
  const [picked, setPicked] = useState<string[]>([]);
  const [date, setDate] = useState(todayCst());
  const act = useAction();
  const submit = () =>
    act.run(async () => {
      const body = { type: p.type, orgIds: picked.length ? picked : undefined, dataDate: date };
      const res = await api<{ runs: unknown[] }>('POST', '/sync', body);
      await p.onDone(t('started', { n: res.runs.length }));
    });
  return html`<div class="panel" data-testid="sync-form">
    <h3>${t(p.type === 'input' ? 'syncInput' : 'syncOutput')}</h3>
    <${Field} label="pickOrgs"
      ><${OrgChecks} orgs=${p.orgs} picked=${picked} onChange=${setPicked}
    /><//>
    <${Field} label="dataDate">
      <input
        type="date"
        name="dataDate"
        data-testid="data-date"
        value=${date}
        onInput=${(e: Event) => setDate(inputValue(e))}
      />
    <//>
    ${
      date
        ? null
        : html`<div class="notice warn" data-testid="full-warning">${t('fullSyncWarning')}</div>`
    }
    <${Notice} error=${act.error} />
    <div class="buttons">
      <button
        class="primary"
        data-testid="start-sync"
        disabled=${picked.length === 0}
        onClick=${() => void submit()}
      >
        ${t('start')}
      </button>
      <button onClick=${p.onCancel}>${t('cancel')}</button>
    </div>
  </div>`;
}

export function ByBillsForm(p: FormProps): VNode {
  const [orgId, setOrgId] = useState('');
  const [bills, setBills] = useState('');
  const act = useAction();
  const billNos = bills.split(/[\s,，]+/).filter(Boolean);
  const submit = () =>
    act.run(async () => {
      const res = await api<{ runs: unknown[] }>('POST', '/sync/by-bills', { orgId, billNos });
      await p.onDone(t('started', { n: res.runs.length }));
    });
  return html`<div class="panel" data-testid="bills-form">
    <h3>${t('syncByBills')}</h3>
    <${Field} label="org">
      <${OrgSelect} orgs=${p.orgs} value=${orgId} onChange=${setOrgId} blank />
    <//>
    <${Field} label="billNos">
      <textarea
        name="billNos"
        rows="3"
        value=${bills}
        onInput=${(e: Event) => setBills(inputValue(e))}
      ></textarea>
    <//>
    <${Notice} error=${act.error} />
    <div class="buttons">
      <button class="primary" data-testid="start-bills" onClick=${() => void submit()}>
        ${t('start')}
      </button>
      <button onClick=${p.onCancel}>${t('cancel')}</button>
    </div>
  </div>`;
}
