/** Configuration: global switches, organisations (write-only secrets) and customer systems. */
import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { t } from '../i18n.js';
import type { Key } from '../i18n/zh-CN.js';
import { html, checkedOf, inputValue, Notice, useAction } from '../ui.js';
import { OrgsPanel } from './config-orgs.js';
import { SystemsPanel } from './config-systems.js';

type Config = Record<string, boolean | number | string[]>;
const SWITCHES = [
  'personalFolderSync',
  'writeback',
  'syncUnusedInvoices',
  'showUncheckedInPool',
  'hideUnusedInPool',
] as const;

function Switches(): VNode {
  const [cfg, setCfg] = useState<Config | null>(null);
  const act = useAction();
  useEffect(() => void act.run(async () => setCfg(await api<Config>('GET', '/config'))), []);
  const save = () =>
    act.run(async () => {
      setCfg(await api<Config>('PUT', '/config', cfg));
      return t('saved');
    });
  if (!cfg) return html`<div class="panel"><${Notice} error=${act.error} /></div>`;
  const fields = (cfg.nonSyncFields as string[] | undefined) ?? [];
  return html`<div class="panel" data-testid="switches">
    <h3>${t('switches')}</h3>
    ${SWITCHES.map(
      (k) =>
        html`<label class="switch" key=${k}>
          <input
            type="checkbox"
            name=${k}
            checked=${cfg[k] === true}
            onChange=${(e: Event) => setCfg({ ...cfg, [k]: checkedOf(e) })}
          />
          ${t(`cfg_${k}` as Key)}
        </label>`,
    )}
    <label class="field"
      ><span>${t('cfg_lookbackDays')}</span>
      <input
        type="number"
        min="1"
        max="30"
        name="lookbackDays"
        value=${String(cfg.lookbackDays)}
        onInput=${(e: Event) => setCfg({ ...cfg, lookbackDays: Number(inputValue(e)) })}
      />
    </label>
    <label class="field"
      ><span>${t('cfg_nonSyncFields')}</span>
      <input
        name="nonSyncFields"
        value=${fields.join(', ')}
        onChange=${(e: Event) =>
          setCfg({
            ...cfg,
            nonSyncFields: inputValue(e)
              .split(/[\s,，]+/)
              .filter(Boolean),
          })}
      />
    </label>
    <${Notice} error=${act.error} info=${act.info} />
    <button class="primary" data-testid="save-config" onClick=${() => void save()}>
      ${t('save')}
    </button>
  </div>`;
}

export function ConfigScreen(): VNode {
  return html`<section data-testid="screen-config">
    <${Switches} /><${OrgsPanel} /><${SystemsPanel} />
  </section>`;
}
