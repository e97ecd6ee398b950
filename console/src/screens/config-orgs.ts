/** Organisations: a page of them and an edit form whose secret is write-only (empty = keep). */
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { api, withQuery, type Page } from '../api.js';
import { t } from '../i18n.js';
import type { OrgRow } from '../orgs.js';
import { cst } from '../time.js';
import {
  Field,
  html,
  checkedOf,
  inputValue,
  Notice,
  Pager,
  Table,
  useAction,
  usePaged,
} from '../ui.js';

const BLANK = { orgId: '', orgName: '', taxNo: '', clientId: '', clientSecret: '' };

export function OrgsPanel(): VNode {
  const list = usePaged(
    (cursor) => api<Page<OrgRow>>('GET', withQuery('/orgs', { limit: 10, cursor })),
    [],
  );
  const [form, setForm] = useState<
    (typeof BLANK & { syncEnabled: boolean; pushEnabled: boolean }) | null
  >(null);
  const act = useAction();
  const edit = (o: OrgRow | null) =>
    setForm(
      o
        ? {
            orgId: o.orgId,
            orgName: o.orgName,
            taxNo: o.taxNo,
            clientId: o.clientId ?? '',
            clientSecret: '',
            syncEnabled: o.syncEnabled,
            pushEnabled: o.pushEnabled,
          }
        : { ...BLANK, syncEnabled: true, pushEnabled: false },
    );
  const save = () =>
    act.run(async () => {
      if (!form) return;
      const { orgId, clientSecret, clientId, ...rest } = form;
      const body = {
        ...rest,
        clientId: clientId || null,
        ...(clientSecret ? { clientSecret } : {}),
      };
      await api('PUT', `/orgs/${encodeURIComponent(orgId)}`, body);
      setForm(null);
      await list.reload();
      return t('saved');
    });
  const text = (k: keyof typeof BLANK, type = 'text') =>
    html`<${Field} label=${k}>
      <input
        name=${k}
        type=${type}
        value=${form?.[k] ?? ''}
        placeholder=${k === 'clientSecret' ? t('secretHint') : ''}
        onInput=${(e: Event) => form && setForm({ ...form, [k]: inputValue(e) })}
      />
    <//>`;
  const flag = (k: 'syncEnabled' | 'pushEnabled') =>
    html`<label class="switch">
      <input
        type="checkbox"
        name=${k}
        checked=${form?.[k]}
        onChange=${(e: Event) => form && setForm({ ...form, [k]: checkedOf(e) })}
      />
      ${t(k)}
    </label>`;
  return html`<div class="panel" data-testid="orgs">
    <h3>${t('orgs')} <button onClick=${() => edit(null)}>${t('newOrg')}</button></h3>
    <${Notice} error=${act.error ?? list.error} info=${act.info} />
    <${Table}
      testId="org-rows"
      rows=${list.items}
      rowKey=${(o: OrgRow) => o.orgId}
      onRow=${edit}
      columns=${[
        { label: 'orgId', cell: (o: OrgRow) => o.orgId },
        { label: 'orgName', cell: (o: OrgRow) => o.orgName },
        { label: 'taxNo', cell: (o: OrgRow) => o.taxNo },
        { label: 'clientId', cell: (o: OrgRow) => o.clientId ?? '' },
        {
          label: 'clientSecret',
          cell: (o: OrgRow) => (o.clientSecret ? t('secretSet') : t('secretNotSet')),
        },
        { label: 'syncEnabled', cell: (o: OrgRow) => (o.syncEnabled ? t('yes') : t('no')) },
        { label: 'pushEnabled', cell: (o: OrgRow) => (o.pushEnabled ? t('yes') : t('no')) },
        { label: 'updatedAt', cell: (o: OrgRow) => cst(o.updatedAt) },
      ]}
    />
    <${Pager} ...${list} />
    ${
      form
        ? html`<div class="subform" data-testid="org-form">
            <h4>${form.orgId ? t('editOrg') : t('newOrg')}</h4>
            ${text('orgId')} ${text('orgName')} ${text('taxNo')} ${text('clientId')}
            ${text('clientSecret', 'password')} ${flag('syncEnabled')} ${flag('pushEnabled')}
            <div class="buttons">
              <button class="primary" onClick=${() => void save()}>${t('save')}</button>
              <button onClick=${() => setForm(null)}>${t('cancel')}</button>
            </div>
          </div>`
        : null
    }
  </div>`;
}
