/** The console's frame: sign-in, the screen tabs and the language switch. */
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import type { ConsoleConfig } from '../config.js';
import { getToken, setToken, signOut, startOidc } from './auth.js';
import { lang, setLang, t } from './i18n.js';
import type { Key } from './i18n/zh-CN.js';
import { html, Notice } from './ui.js';
import { BillsScreen } from './screens/bills.js';
import { ConfigScreen } from './screens/config.js';
import { LogsScreen } from './screens/logs.js';
import { PoolScreen } from './screens/pool.js';
import { SyncScreen } from './screens/sync.js';

const SCREENS: { id: string; label: Key; view: () => VNode }[] = [
  { id: 'sync', label: 'navSync', view: SyncScreen },
  { id: 'logs', label: 'navLogs', view: LogsScreen },
  { id: 'pool', label: 'navPool', view: PoolScreen },
  { id: 'bills', label: 'navBills', view: BillsScreen },
  { id: 'config', label: 'navConfig', view: ConfigScreen },
];

const screenFromHash = () => SCREENS.find((s) => `#${s.id}` === location.hash) ?? SCREENS[0]!;

function SignIn(p: { cfg: ConsoleConfig; error: string | null; onIn: () => void }): VNode {
  const [token, setDraft] = useState(p.cfg.auth.mode === 'dev' ? (p.cfg.auth.token ?? '') : '');
  const [error, setError] = useState(p.error);
  const auth = p.cfg.auth;
  return html`<div class="signin panel" data-testid="signin">
    <h2>${t('appTitle')}</h2>
    <${Notice} error=${error} />
    ${
      auth.mode === 'dev'
        ? html`<label class="field"
              ><span>${t('tokenLabel')}</span>
              <textarea
                name="token"
                rows="4"
                value=${token}
                onInput=${(e: Event) => setDraft((e.target as HTMLTextAreaElement).value)}
              ></textarea>
            </label>
            <button
              class="primary"
              data-testid="signin-submit"
              onClick=${() => token.trim() && (setToken(token), p.onIn())}
            >
              ${t('signIn')}
            </button>`
        : html`<button
            class="primary"
            data-testid="signin-oidc"
            onClick=${() => startOidc(auth).catch((e: Error) => setError(e.message))}
          >
            ${t('signInOidc')}
          </button>`
    }
  </div>`;
}

export function App(p: { cfg: ConsoleConfig; authError: string | null }): VNode {
  const [, setLangState] = useState(lang());
  const [signedIn, setSignedIn] = useState(getToken() !== null);
  const [screen, setScreen] = useState(screenFromHash);
  const switchLang = () => {
    const next = lang() === 'zh-CN' ? 'en' : 'zh-CN';
    setLang(next);
    setLangState(next);
  };
  const go = (s: (typeof SCREENS)[number]) => {
    history.replaceState(null, '', `#${s.id}`);
    setScreen(s);
  };
  return html`<div class="app" key=${lang()}>
    <header>
      <h1>${t('appTitle')}</h1>
      <nav>
        ${
          signedIn
            ? SCREENS.map(
                (s) =>
                  html`<a
                    href=${`#${s.id}`}
                    data-testid=${`nav-${s.id}`}
                    class=${s.id === screen.id ? 'active' : ''}
                    onClick=${(e: Event) => (e.preventDefault(), go(s))}
                    >${t(s.label)}</a
                  >`,
              )
            : null
        }
      </nav>
      <button class="lang" data-testid="lang" onClick=${switchLang}>${t('language')}</button>
      ${
        signedIn
          ? html`<button onClick=${() => (signOut(), setSignedIn(false))}>${t('signOut')}</button>`
          : null
      }
    </header>
    <main>
      ${
        signedIn
          ? html`<${screen.view} />`
          : html`<${SignIn} cfg=${p.cfg} error=${p.authError} onIn=${() => setSignedIn(true)} />`
      }
    </main>
  </div>`;
}
