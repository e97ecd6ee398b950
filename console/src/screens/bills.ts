/**
 * Bill write-back logs (by org + bill id) and dead letters: the queues' dead-letter counts with a
 * redrive button each, and the write-back events that failed for good.
 */
import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, withQuery, type Page } from '../api.js';
import { t } from '../i18n.js';
import { OrgSelect, useOrgs } from '../orgs.js';
import { cst } from '../time.js';
import { Field, html, inputValue, Notice, Pager, Table, useAction, usePaged } from '../ui.js';

interface BillLog {
  eventId: string;
  step: string;
  outcome: string;
  attempt: number;
  at: string;
  note?: string;
  response: unknown;
}
interface DeadLetter {
  eventId: string;
  error: string;
  receives: number;
  at: string;
}
interface QueueDead {
  queue: string;
  messages: number;
}

const brief = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v ?? ''));

function BillLogs(): VNode {
  const orgs = useOrgs();
  const [q, setQ] = useState({ orgId: '', billId: '' });
  const [shown, setShown] = useState({ orgId: '', billId: '' });
  const logs = usePaged(
    async (cursor) => {
      if (!shown.billId) return { items: [], nextCursor: null };
      const path = `/bills/${encodeURIComponent(shown.billId)}/logs`;
      return api<Page<BillLog>>('GET', withQuery(path, { orgId: shown.orgId, limit: 20, cursor }));
    },
    [JSON.stringify(shown)],
  );
  return html`<div class="panel">
    <h3>${t('billLogs')}</h3>
    <div class="filters">
      <${Field} label="org">
        <${OrgSelect}
          orgs=${orgs}
          value=${q.orgId}
          onChange=${(orgId: string) => setQ({ ...q, orgId })}
          blank
        />
      <//>
      <${Field} label="billId">
        <input
          name="billId"
          value=${q.billId}
          onInput=${(e: Event) => setQ({ ...q, billId: inputValue(e) })}
        />
      <//>
      <button class="primary" data-testid="search-bill" onClick=${() => setShown(q)}>
        ${t('search')}
      </button>
    </div>
    <${Notice} error=${logs.error} />
    <${Table}
      testId="bill-logs"
      rows=${logs.items}
      rowKey=${(l: BillLog) => `${l.eventId}${l.step}${l.at}`}
      columns=${[
        { label: 'attemptAt', cell: (l: BillLog) => cst(l.at) },
        { label: 'step', cell: (l: BillLog) => l.step },
        { label: 'status', cell: (l: BillLog) => l.outcome },
        { label: 'attemptCount', cell: (l: BillLog) => l.attempt },
        {
          label: 'response',
          cell: (l: BillLog) => html`<code class="msg">${brief(l.response)}</code>`,
        },
        { label: 'message', cell: (l: BillLog) => l.note ?? '' },
      ]}
    />
    <${Pager} ...${logs} />
  </div>`;
}

function Queues(): VNode {
  const [queues, setQueues] = useState<QueueDead[]>([]);
  const [error, setError] = useState<string | null>(null);
  const act = useAction();
  const load = () =>
    api<{ items: QueueDead[] }>('GET', '/dead-letters').then(
      (r) => (setQueues(r.items), setError(null)),
      (e: Error) => setError(e.message),
    );
  useEffect(() => void load(), []);
  const redrive = (queue: string) =>
    act.run(async () => {
      await api('POST', `/dead-letters/${encodeURIComponent(queue)}/redrive`);
      await load();
      return t('redriven', { queue });
    });
  const rows: QueueDead[] = queues.length
    ? queues
    : ['sync', 'writeback', 'callbacks'].map((queue) => ({ queue, messages: Number.NaN }));
  return html`<div class="panel">
    <h3>${t('deadLetters')}</h3>
    <${Notice} error=${act.error ?? error} info=${act.info} />
    <${Table}
      testId="dead-letters"
      rows=${rows}
      rowKey=${(r: QueueDead) => r.queue}
      columns=${[
        { label: 'queue', cell: (r: QueueDead) => r.queue },
        {
          label: 'messages',
          cell: (r: QueueDead) => (Number.isNaN(r.messages) ? '—' : r.messages),
        },
        {
          label: 'actions',
          cell: (r: QueueDead) =>
            html`<button data-testid=${`redrive-${r.queue}`} onClick=${() => void redrive(r.queue)}>
              ${t('redrive')}
            </button>`,
        },
      ]}
    />
  </div>`;
}

function BillDeadLetters(): VNode {
  const list = usePaged(
    (cursor) =>
      api<Page<DeadLetter>>('GET', withQuery('/bills/dead-letters', { limit: 20, cursor })),
    [],
  );
  return html`<div class="panel">
    <h3>${t('billDeadLetters')}</h3>
    <${Notice} error=${list.error} />
    <${Table}
      testId="bill-dead-letters"
      rows=${list.items}
      rowKey=${(d: DeadLetter) => d.eventId}
      columns=${[
        { label: 'attemptAt', cell: (d: DeadLetter) => cst(d.at) },
        { label: 'eventId', cell: (d: DeadLetter) => d.eventId },
        { label: 'attemptCount', cell: (d: DeadLetter) => d.receives },
        { label: 'message', cell: (d: DeadLetter) => html`<span class="msg">${d.error}</span>` },
      ]}
    />
    <${Pager} ...${list} />
  </div>`;
}

export function BillsScreen(): VNode {
  return html`<section data-testid="screen-bills">
    <${BillLogs} /><${Queues} /><${BillDeadLetters} />
  </section>`;
}
