/**
 * 日志交互管理: the interaction logs (filters incl. processing method and time range), 推送结果状态
 * on the selected blue/red result logs, 根据条件推送状态 (order no + invoice no), and each log's
 * attempts with status, latency and response.
 */
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { api, withQuery, type Page } from '../api.js';
import { t, tCode } from '../i18n.js';
import { useOrgs } from '../orgs.js';
import { cst, cstInputToIso } from '../time.js';
import { CodeSelect, Field, html, inputValue, Notice, Pager, Table, useAction } from '../ui.js';
import { usePaged, type Column } from '../ui.js';
import { Attempts, type Attempt } from './attempts.js';

interface Log {
  logId: string;
  orgId: string;
  systemId: string;
  operationType: string;
  dataStatus: string;
  processingMethod: string;
  orderNo: string;
  attempts: Attempt[];
  createdAt: string;
  updatedAt: string;
}

interface PushResult {
  logId: string;
  ok: boolean;
  error?: { message: string };
}

const OPS = [
  'ORDER_FETCH',
  'BLUE_RESULT_CALLBACK',
  'RED_RESULT_CALLBACK',
  'REJECT_CALLBACK',
  'PUSH_BY_CONDITION',
];
const PUSHABLE = ['BLUE_RESULT_CALLBACK', 'RED_RESULT_CALLBACK'];
const EMPTY = {
  orgId: '',
  operationType: '',
  dataStatus: '',
  processingMethod: '',
  orderNo: '',
  from: '',
  to: '',
};

export function LogsScreen(): VNode {
  const orgs = useOrgs();
  const [draft, setDraft] = useState(EMPTY);
  const [filter, setFilter] = useState(EMPTY);
  const [picked, setPicked] = useState<string[]>([]);
  const [open, setOpen] = useState<string | null>(null);
  const [cond, setCond] = useState({ orderNo: '', invoiceNo: '' });
  const act = useAction();
  const logs = usePaged(
    (cursor) => {
      const q = { ...filter, from: cstInputToIso(filter.from), to: cstInputToIso(filter.to) };
      return api<Page<Log>>('GET', withQuery('/interaction-logs', { ...q, limit: 20, cursor }));
    },
    [JSON.stringify(filter)],
  );
  const pushable = picked.filter((id) =>
    logs.items.some((l) => l.logId === id && PUSHABLE.includes(l.operationType)),
  );
  const push = (path: string, extra: object = {}) =>
    act.run(async () => {
      if (!pushable.length) throw new Error(t('pushNeedsSelection'));
      const res = await api<{ results: PushResult[] }>('POST', path, {
        logIds: pushable,
        ...extra,
      });
      await logs.reload();
      const failed = res.results.filter((r) => !r.ok);
      // Refusals come per log (200 with `ok: false`): shown with the API's own message.
      if (failed.length)
        throw new Error(failed.map((r) => `${r.logId}: ${r.error?.message ?? ''}`).join('; '));
      return t('pushed', { n: res.results.length });
    });
  const toggle = (id: string) =>
    setPicked(picked.includes(id) ? picked.filter((x) => x !== id) : [...picked, id]);
  const columns: Column<Log>[] = [
    {
      label: 'actions',
      cell: (l) =>
        html`<input
          type="checkbox"
          data-testid="pick-log"
          data-log=${l.logId}
          checked=${picked.includes(l.logId)}
          onClick=${(e: Event) => e.stopPropagation()}
          onChange=${() => toggle(l.logId)}
        />`,
    },
    { label: 'org', cell: (l) => l.orgId },
    { label: 'operationType', cell: (l) => tCode('op_', l.operationType) },
    { label: 'dataStatus', cell: (l) => tCode('ds_', l.dataStatus) },
    { label: 'processingMethod', cell: (l) => tCode('pm_', l.processingMethod) },
    { label: 'orderNo', cell: (l) => l.orderNo },
    { label: 'attempts', cell: (l) => html`<a class="link">${l.attempts.length}</a>` },
    { label: 'createdAt', cell: (l) => cst(l.createdAt) },
    { label: 'updatedAt', cell: (l) => cst(l.updatedAt) },
  ];
  const set = (k: keyof typeof EMPTY) => (v: string) => setDraft({ ...draft, [k]: v });
  const shown = logs.items.find((l) => l.logId === open);
  return html`<section data-testid="screen-logs">
    <div class="filters">
      <${Field} label="org">
        <${CodeSelect}
          name="orgId"
          codes=${orgs.map((o) => o.orgId)}
          value=${draft.orgId}
          label=${(id: string) => orgs.find((o) => o.orgId === id)?.orgName ?? id}
          onChange=${set('orgId')}
        />
      <//>
      <${Field} label="operationType">
        <${CodeSelect}
          name="operationType"
          codes=${OPS}
          value=${draft.operationType}
          label=${(c: string) => tCode('op_', c)}
          onChange=${set('operationType')}
        />
      <//>
      <${Field} label="dataStatus">
        <${CodeSelect}
          name="dataStatus"
          codes=${['RECEIVED', 'SUCCEEDED', 'FAILED']}
          value=${draft.dataStatus}
          label=${(c: string) => tCode('ds_', c)}
          onChange=${set('dataStatus')}
        />
      <//>
      <${Field} label="processingMethod">
        <${CodeSelect}
          name="processingMethod"
          value=${draft.processingMethod}
          codes=${['API_PASSIVE', 'API_ACTIVE', 'SCHEDULED', 'DB_SYNC']}
          label=${(c: string) => tCode('pm_', c)}
          onChange=${set('processingMethod')}
        />
      <//>
      <${Field} label="orderNo">
        <input
          name="orderNo"
          value=${draft.orderNo}
          onInput=${(e: Event) => set('orderNo')(inputValue(e))}
        />
      <//>
      <${Field} label="timeFrom">
        <input
          type="datetime-local"
          value=${draft.from}
          onInput=${(e: Event) => set('from')(inputValue(e))}
        />
      <//>
      <${Field} label="timeTo">
        <input
          type="datetime-local"
          value=${draft.to}
          onInput=${(e: Event) => set('to')(inputValue(e))}
        />
      <//>
      <button class="primary" data-testid="search" onClick=${() => setFilter(draft)}>
        ${t('search')}
      </button>
      <button onClick=${() => (setDraft(EMPTY), setFilter(EMPTY))}>${t('reset')}</button>
    </div>
    <div class="toolbar">
      <button
        class="primary"
        data-testid="push"
        onClick=${() => void push('/interaction-logs/push')}
      >
        ${t('pushResult')}
      </button>
      <span class="cond">
        <input
          placeholder=${t('orderNo')}
          name="condOrderNo"
          value=${cond.orderNo}
          onInput=${(e: Event) => setCond({ ...cond, orderNo: inputValue(e) })}
        />
        <input
          placeholder=${t('invoiceNo')}
          name="condInvoiceNo"
          value=${cond.invoiceNo}
          onInput=${(e: Event) => setCond({ ...cond, invoiceNo: inputValue(e) })}
        />
        <button
          data-testid="push-by-condition"
          onClick=${() => void push('/interaction-logs/push-by-condition', cond)}
        >
          ${t('pushByCondition')}
        </button>
      </span>
    </div>
    <${Notice} error=${act.error ?? logs.error} info=${act.info} />
    <${Table}
      testId="logs"
      columns=${columns}
      rows=${logs.items}
      rowKey=${(l: Log) => l.logId}
      onRow=${(l: Log) => setOpen(open === l.logId ? null : l.logId)}
    />
    <${Pager} ...${logs} />
    ${shown ? html`<${Attempts} log=${shown} onClose=${() => setOpen(null)} />` : null}
  </section>`;
}
