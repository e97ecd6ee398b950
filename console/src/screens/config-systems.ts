/**
 * Customer systems of an org: a page of them, register / update with the signing secret shown
 * once (on creation or rotation), and 拉取订单 (fetch orders) per system.
 */
import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, withQuery, type Page } from '../api.js';
import { t } from '../i18n.js';
import { OrgSelect, useOrgs } from '../orgs.js';
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

interface SystemRow {
  systemId: string;
  orgId: string;
  name: string;
  callbackUrl: string;
  updatedAt: string;
}
const pick = ({ systemId, name, callbackUrl }: SystemRow) => ({ systemId, name, callbackUrl });
const BLANK = { systemId: '', name: '', callbackUrl: '', rotateSecret: false };

export function SystemsPanel(): VNode {
  const orgs = useOrgs();
  const [orgId, setOrgId] = useState('');
  const [form, setForm] = useState(BLANK);
  const [secret, setSecret] = useState<string | null>(null);
  const act = useAction();
  useEffect(() => {
    if (!orgId && orgs[0]) setOrgId(orgs[0].orgId);
  }, [orgs]);
  const list = usePaged(
    async (cursor) => {
      if (!orgId) return { items: [], nextCursor: null };
      return api<Page<SystemRow>>('GET', withQuery('/systems', { orgId, limit: 10, cursor }));
    },
    [orgId],
  );
  const save = () =>
    act.run(async () => {
      const { systemId, ...rest } = form;
      const path = `/systems/${encodeURIComponent(systemId)}`;
      const res = await api<SystemRow & { secret?: string }>('PUT', path, { ...rest, orgId });
      setSecret(res.secret ?? null);
      setForm(BLANK);
      await list.reload();
      return t('saved');
    });
  const fetchOrders = (systemId: string) =>
    act.run(async () => {
      const path = `/systems/${encodeURIComponent(systemId)}/fetch-orders`;
      const res = await api<{ fetched: number; logged: number }>('POST', path, {});
      return t('fetched', { fetched: res.fetched, logged: res.logged });
    });
  const text = (
    k: 'systemId' | 'name' | 'callbackUrl',
    label: 'systemId' | 'systemName' | 'callbackUrl',
  ) =>
    html`<${Field} label=${label}>
      <input
        name=${k}
        value=${form[k]}
        onInput=${(e: Event) => setForm({ ...form, [k]: inputValue(e) })}
      />
    <//>`;
  return html`<div class="panel" data-testid="systems">
    <h3>${t('systems')}</h3>
    <${Field} label="org">
      <${OrgSelect} orgs=${orgs} value=${orgId} onChange=${setOrgId} name="systemsOrg" />
    <//>
    <${Notice} error=${act.error ?? list.error} info=${act.info} />
    ${
      secret
        ? html`<div class="notice warn" data-testid="secret-once">
            ${t('secretOnce')} <code>${secret}</code>
            <button onClick=${() => setSecret(null)}>${t('close')}</button>
          </div>`
        : null
    }
    <${Table}
      testId="system-rows"
      rows=${list.items}
      rowKey=${(s: SystemRow) => s.systemId}
      onRow=${(s: SystemRow) => setForm({ ...BLANK, ...pick(s) })}
      columns=${[
        { label: 'systemId', cell: (s: SystemRow) => s.systemId },
        { label: 'systemName', cell: (s: SystemRow) => s.name },
        { label: 'callbackUrl', cell: (s: SystemRow) => s.callbackUrl },
        { label: 'updatedAt', cell: (s: SystemRow) => cst(s.updatedAt) },
        {
          label: 'actions',
          cell: (s: SystemRow) =>
            html`<button
              data-testid="fetch-orders"
              onClick=${(e: Event) => (e.stopPropagation(), void fetchOrders(s.systemId))}
            >
              ${t('fetchOrders')}
            </button>`,
        },
      ]}
    />
    <${Pager} ...${list} />
    <div class="subform">
      <h4>${t('registerSystem')}</h4>
      ${text('systemId', 'systemId')} ${text('name', 'systemName')}
      ${text('callbackUrl', 'callbackUrl')}
      <label class="switch"
        ><input
          type="checkbox"
          name="rotateSecret"
          checked=${form.rotateSecret}
          onChange=${(e: Event) => setForm({ ...form, rotateSecret: checkedOf(e) })}
        />
        ${t('rotateSecret')}</label
      >
      <div class="buttons">
        <button class="primary" data-testid="save-system" onClick=${() => void save()}>
          ${t('save')}
        </button>
      </div>
    </div>
  </div>`;
}
