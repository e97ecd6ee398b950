/** Entry: read config.json, finish an OIDC return if this is one, render the console. */
import { render } from 'preact';
import type { ConsoleConfig } from '../config.js';
import { setApiUrl } from './api.js';
import { App } from './app.js';
import { finishOidc } from './auth.js';
import { lang, setLang } from './i18n.js';
import { html } from './ui.js';

async function main(): Promise<void> {
  const res = await fetch('config.json', { cache: 'no-store' });
  const cfg = (await res.json()) as ConsoleConfig;
  setApiUrl(cfg.apiUrl);
  setLang(lang());
  let authError: string | null = null;
  if (cfg.auth.mode === 'oidc')
    await finishOidc(cfg.auth).catch((e: Error) => (authError = e.message));
  render(html`<${App} cfg=${cfg} authError=${authError} />`, document.getElementById('app')!);
}

void main();
