/**
 * Sign-in. Dev mode: a pasted (or pre-filled) dev token. OIDC mode: authorization code + PKCE
 * (S256) against the issuer from `config.json`: discovery document → authorize (with `state`) →
 * code exchange at its token endpoint. The token lives in sessionStorage only.
 */
import type { ConsoleConfig } from '../config.js';

const TOKEN = 'icb.token';
const PKCE = 'icb.pkce';

export const getToken = (): string | null => sessionStorage.getItem(TOKEN);
export const setToken = (t: string): void => sessionStorage.setItem(TOKEN, t.trim());
export const signOut = (): void => sessionStorage.removeItem(TOKEN);

type Oidc = Extract<ConsoleConfig['auth'], { mode: 'oidc' }>;
interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
}

const b64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const random = (n: number) => b64url(crypto.getRandomValues(new Uint8Array(n)));
const redirectUri = () => `${location.origin}${location.pathname}`;

const discover = async (issuer: string): Promise<Discovery> => {
  const res = await fetch(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`);
  if (!res.ok) throw new Error(`discovery: ${res.status}`);
  return (await res.json()) as Discovery;
};

/** Leave for the issuer's sign-in page (code flow with PKCE S256 and a random `state`). */
export async function startOidc(cfg: Oidc): Promise<void> {
  const d = await discover(cfg.issuer);
  const verifier = random(48);
  const state = random(24);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  sessionStorage.setItem(PKCE, JSON.stringify({ verifier, state }));
  const url = new URL(d.authorization_endpoint);
  const params = {
    response_type: 'code',
    client_id: cfg.clientId,
    redirect_uri: redirectUri(),
    scope: cfg.scope ?? 'openid',
    state,
    code_challenge: b64url(new Uint8Array(digest)),
    code_challenge_method: 'S256',
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  location.assign(url.toString());
}

/**
 * Back from the issuer (`?code&state`): check the state, exchange the code with the verifier,
 * keep the access token. False when this page load is no such return.
 */
export async function finishOidc(cfg: Oidc): Promise<boolean> {
  const q = new URLSearchParams(location.search);
  const code = q.get('code');
  if (!code) return false;
  const saved = JSON.parse(sessionStorage.getItem(PKCE) ?? 'null') as {
    verifier: string;
    state: string;
  } | null;
  sessionStorage.removeItem(PKCE);
  history.replaceState(null, '', redirectUri());
  if (!saved || saved.state !== q.get('state')) throw new Error('state does not match');
  const d = await discover(cfg.issuer);
  const res = await fetch(d.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri(),
      client_id: cfg.clientId,
      code_verifier: saved.verifier,
    }),
  });
  if (!res.ok) throw new Error(`token endpoint: ${res.status}`);
  const body = (await res.json()) as { access_token?: string; id_token?: string };
  const token = body.access_token ?? body.id_token;
  if (!token) throw new Error('token endpoint: no token');
  setToken(token);
  return true;
}
