import { Forbidden } from '../errors.js';
import type { Principal } from './jwt.js';

/** Expense callers act for their login org only; operators for every org. */
export const assertOrgAccess = (p: Principal, orgId: string): void => {
  if (p.roles.includes('operator')) return;
  if (p.orgId !== orgId)
    throw new Forbidden(`orgId: your token's organisation may not act for ${orgId}`);
};
