/** The org picker's data: every org, read with the API's cursors. */
import { useEffect, useState } from 'preact/hooks';
import { api, withQuery, type Page } from './api.js';

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
