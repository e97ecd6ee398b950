/** One interaction log's attempts: when, HTTP status, latency, outcome and the response. */
import { t } from '../i18n.js';
import { cst } from '../time.js';
import { html, Table } from '../ui.js';

export interface Attempt {
  at: string;
  status: number | null;
  latencyMs: number;
  ok: boolean;
  response: string;
  trigger: string;
}

export function Attempts(p: { log: { logId: string; attempts: Attempt[] }; onClose: () => void }) {
  const rows = p.log.attempts.map((a, i) => ({ ...a, n: i + 1 }));
  type Row = (typeof rows)[number];
  return html`<div class="panel" data-testid="attempts">
    <h3>${t('attempts')} · ${p.log.logId}</h3>
    <${Table}
      testId="attempt-rows"
      rows=${rows}
      rowKey=${(a: Row) => String(a.n)}
      columns=${[
        { label: 'attemptAt', cell: (a: Row) => cst(a.at) },
        { label: 'trigger', cell: (a: Row) => a.trigger },
        { label: 'httpStatus', cell: (a: Row) => a.status ?? '—' },
        { label: 'latency', cell: (a: Row) => a.latencyMs },
        { label: 'status', cell: (a: Row) => (a.ok ? t('ok') : t('fail')) },
        { label: 'response', cell: (a: Row) => html`<code class="msg">${a.response}</code>` },
      ]}
    />
    <button onClick=${p.onClose}>${t('close')}</button>
  </div>`;
}
