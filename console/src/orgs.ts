/** The org picker's data: every org, read with the API's cursors. */
import { useEffect, useState } from 'preact/hooks';
import { api, withQuery, type Page } from './api.js';
import { html, inputValue } from './ui.js';

export interface OrgRow {
  orgId: string;
  orgName: string;
  taxNo: string;
  clientId: string | null;
  clientSecret: string | null;
  syncEnabled: boolean;
  pushEnabled: boolean;
  updatedAt: string;
}

export async function allOrgs(): Promise<OrgRow[]> {
  const out: OrgRow[] = [];
  let cursor: string | null | undefined;
  do {
    const page = await api<Page<OrgRow>>('GET', withQuery('/orgs', { limit: 200, cursor }));
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && out.length < 2000);
  return out;
}

export function useOrgs(): OrgRow[] {
  const [orgs, setOrgs] = useState<OrgRow[]>([]);
  useEffect(() => {
    allOrgs().then(setOrgs, () => setOrgs([]));
  }, []);
  return orgs;
}

/** The org picker: one option per org (by name), after an empty one when `blank`. */
export function OrgSelect(p: {
  orgs: OrgRow[];
  value: string;
  onChange: (orgId: string) => void;
  name?: string;
  blank?: boolean;
}) {
  return html`<select
    name=${p.name ?? 'orgId'}
    value=${p.value}
    onChange=${(e: Event) => p.onChange(inputValue(e))}
  >
    ${p.blank ? html`<option value=""></option>` : null}
    ${p.orgs.map((o) => html`<option value=${o.orgId}>${o.orgName}</option>`)}
  </select>`;
}
