/**
 * 公有云数据迁移: the run list (filters, newest first, running runs polled live), 进项同步 /
 * 销项同步 (orgs + data date, empty = full with a warning), 按单据同步, retry of needs_manual runs,
 * and reconciliation.
 */
import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, withQuery, type Page } from '../api.js';
import { t, tCode } from '../i18n.js';
import { useOrgs } from '../orgs.js';
import { cst } from '../time.js';
import { CodeSelect, Field, html, inputValue, Notice, Pager, Table, usePaged } from '../ui.js';
import { type Column } from '../ui.js';
import { ByBillsForm, SyncForm } from './sync-forms.js';
import { Reconcile } from './reconcile.js';

export interface Run {
  runId: string;
  orgId: string;
  orgName: string;
  taxNo: string;
  type: 'input' | 'output';
  dataDate: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  status: string;
  message: string;
  successCount: number;
  attemptCount: number;
  fetched: number;
  progress: { total: number | null; phase: string } | null;
}

const STATUSES = ['queued', 'running', 'succeeded', 'failed', 'needs_manual'] as const;
const POLL_MS = 1500;

const progressOf = (r: Run): string => {
  const total = r.progress?.total;
  if (r.status === 'running' || r.status === 'queued')
    return total ? `${r.successCount} / ${total}` : String(r.successCount);
  return '';
};

export function SyncScreen(): VNode {
  const orgs = useOrgs();
  const [filter, setFilter] = useState({ orgId: '', type: '', status: '', dataDate: '' });
  const [form, setForm] = useState<'input' | 'output' | 'bills' | 'reconcile' | null>(null);
  const [note, setNote] = useState<{ error?: string; info?: string }>({});
  const runs = usePaged(
    (cursor) => api<Page<Run>>('GET', withQuery('/sync/runs', { ...filter, limit: 20, cursor })),
    [JSON.stringify(filter)],
  );
  const live = runs.items.some((r) => r.status === 'running' || r.status === 'queued');
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => void runs.reload(), POLL_MS);
    return () => clearInterval(timer);
  }, [live, runs.reload]);
  const retry = async (r: Run) => {
    try {
      const body = { type: r.type, orgIds: [r.orgId], dataDate: r.dataDate ?? '' };
      const res = await api<{ runs: unknown[] }>('POST', '/sync', body);
      setNote({ info: t('started', { n: res.runs.length }) });
      await runs.reload();
    } catch (e) {
      setNote({ error: (e as Error).message });
    }
  };
  const done = async (info: string) => {
    setForm(null);
    setNote({ info });
    await runs.reload();
  };
  const columns: Column<Run>[] = [
    { label: 'orgName', cell: (r) => r.orgName || r.orgId },
    { label: 'taxNo', cell: (r) => r.taxNo },
    { label: 'type', cell: (r) => t(r.type) },
    { label: 'startedAt', cell: (r) => cst(r.startedAt) },
    { label: 'finishedAt', cell: (r) => cst(r.finishedAt) },
    { label: 'dataDate', cell: (r) => r.dataDate ?? '—' },
    {
      label: 'status',
      cell: (r) => html`<span class=${`badge ${r.status}`}>${tCode('runStatus_', r.status)}</span>`,
    },
    { label: 'progress', cell: progressOf },
    { label: 'message', cell: (r) => html`<span class="msg">${r.message}</span>` },
    { label: 'successCount', cell: (r) => r.successCount },
    { label: 'attemptCount', cell: (r) => r.attemptCount },
    {
      label: 'actions',
      cell: (r) =>
        r.status === 'needs_manual'
          ? html`<button data-testid="retry" onClick=${() => void retry(r)}>${t('retry')}</button>`
          : null,
    },
  ];
  const set = (k: keyof typeof filter) => (v: string) => setFilter({ ...filter, [k]: v });
  return html`<section data-testid="screen-sync">
    <div class="toolbar">
      <button class="primary" data-testid="sync-input" onClick=${() => setForm('input')}>
        ${t('syncInput')}
      </button>
      <button class="primary" data-testid="sync-output" onClick=${() => setForm('output')}>
        ${t('syncOutput')}
      </button>
      <button data-testid="sync-bills" onClick=${() => setForm('bills')}>
        ${t('syncByBills')}
      </button>
      <button data-testid="reconcile" onClick=${() => setForm('reconcile')}>
        ${t('reconcile')}
      </button>
    </div>
    ${
      form === 'input' || form === 'output'
        ? html`<${SyncForm}
            type=${form}
            orgs=${orgs}
            onDone=${done}
            onCancel=${() => setForm(null)}
          />`
        : null
    }
    ${
      form === 'bills'
        ? html`<${ByBillsForm} orgs=${orgs} onDone=${done} onCancel=${() => setForm(null)} />`
        : null
    }
    ${
      form === 'reconcile'
        ? html`<${Reconcile} orgs=${orgs} onClose=${() => setForm(null)} />`
        : null
    }
    <${Notice} error=${note.error} info=${note.info} />
    <div class="filters">
      <${Field} label="org">
        <${CodeSelect}
          name="orgId"
          codes=${orgs.map((o) => o.orgId)}
          value=${filter.orgId}
          label=${(id: string) => orgs.find((o) => o.orgId === id)?.orgName ?? id}
          onChange=${set('orgId')}
        />
      <//>
      <${Field} label="type">
        <${CodeSelect}
          name="type"
          codes=${['input', 'output']}
          value=${filter.type}
          label=${(c: string) => t(c as 'input')}
          onChange=${set('type')}
        />
      <//>
      <${Field} label="status">
        <${CodeSelect}
          name="status"
          codes=${STATUSES}
          value=${filter.status}
          label=${(c: string) => tCode('runStatus_', c)}
          onChange=${set('status')}
        />
      <//>
      <${Field} label="dataDate">
        <input
          type="date"
          name="dataDate"
          value=${filter.dataDate}
          onChange=${(e: Event) => set('dataDate')(inputValue(e))}
        />
      <//>
    </div>
    <${Notice} error=${runs.error} />
    <${Table} testId="runs" columns=${columns} rows=${runs.items} rowKey=${(r: Run) => r.runId} />
    <${Pager} ...${runs} />
  </section>`;
}
