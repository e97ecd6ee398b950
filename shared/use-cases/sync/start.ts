/**
 * Starting sync runs: by hand (API / console), by bills, and fanning out one queued run per org.
 */
import { randomBytes } from 'node:crypto';
import type { Deps } from '../../deps.js';
import { NotFound } from '../../domain/errors.js';
import type { Kind } from '../../domain/schemas/cloud.js';
import type { Org } from '../../domain/schemas/config.js';
import type { Run } from '../../domain/schemas/sync.js';

/** Time-sortable, unique run id. */
export const newRunId = (at: Date): string =>
  `${at.getTime().toString(36).padStart(9, '0')}-${randomBytes(5).toString('hex')}`;

export const newRun = (o: {
  runId: string;
  org: Org;
  type: Kind;
  dataDate: string | null;
  billNos?: string[];
  trigger: Run['trigger'];
  at: string;
}): Run => ({
  runId: o.runId,
  orgId: o.org.orgId,
  orgName: o.org.orgName,
  taxNo: o.org.taxNo,
  type: o.type,
  dataDate: o.dataDate,
  ...(o.billNos ? { billNos: o.billNos } : {}),
  trigger: o.trigger,
  startedAt: null,
  finishedAt: null,
  status: 'queued',
  message: 'queued',
  successCount: 0,
  attemptCount: 1,
  fetched: 0,
  skipped: 0,
  failed: 0,
  pages: 0,
  createdAt: o.at,
  updatedAt: o.at,
  progress: null,
});

/**
 * A run as `POST /sync` and `/sync/by-bills` answer it: the full run object under the §3.1
 * run-log names (SPEC §4.1), as `GET /sync/runs/{runId}` shows it — never the internal lease.
 */
export const runSummary = (r: Run): Run => {
  const {
    leaseOwner: _o,
    leaseUntil: _u,
    ...run
  } = r as Run & {
    leaseOwner?: unknown;
    leaseUntil?: unknown;
  };
  return run;
};

/** Orgs that take part in scheduled and "all orgs" syncs. */
export const eligibleOrgs = async (deps: Deps<'config', never>): Promise<Org[]> =>
  (await deps.stores.config.listOrgs()).filter((o) => o.clientId && o.syncEnabled);

/**
 * Create the run (once) and queue it. A run whose message could not be sent stays queued for the
 * retry job's sweep.
 */
export const queueRun = async (run: Run, deps: Deps<'runs', 'sync'>): Promise<boolean> => {
  if (!(await deps.stores.runs.create(run))) return false;
  await deps.queues.sync.send({ runId: run.runId });
  return true;
};

/** `POST /sync` and the manual-sync direct invoke: all eligible orgs when `orgIds` is absent. */
export const startSync = async (
  req: { type: Kind; orgIds?: string[] | undefined; dataDate?: string | null | undefined },
  deps: Deps<'config' | 'runs', 'sync'>,
): Promise<Run[]> => {
  const orgs: Org[] = [];
  if (req.orgIds) {
    for (const [i, orgId] of req.orgIds.entries()) {
      const org = await deps.stores.config.getOrg(orgId);
      if (!org) throw new NotFound(`orgIds.${i}: organisation ${orgId} does not exist`);
      if (!orgs.some((o) => o.orgId === orgId)) orgs.push(org);
    }
  } else orgs.push(...(await eligibleOrgs(deps)));
  const at = deps.clock();
  const runs = orgs.map((org) =>
    newRun({
      runId: newRunId(at),
      org,
      type: req.type,
      dataDate: req.dataDate || null,
      trigger: 'manual',
      at: at.toISOString(),
    }),
  );
  for (const run of runs) await queueRun(run, deps);
  return runs;
};

/** `POST /sync/by-bills`. */
export const startByBills = async (
  req: { orgId: string; billNos: string[] },
  deps: Deps<'config' | 'runs', 'sync'>,
): Promise<Run> => {
  const org = await deps.stores.config.getOrg(req.orgId);
  if (!org) throw new NotFound(`orgId: organisation ${req.orgId} does not exist`);
  const at = deps.clock();
  const run = newRun({
    runId: newRunId(at),
    org,
    type: 'input',
    dataDate: null,
    billNos: [...new Set(req.billNos)],
    trigger: 'manual',
    at: at.toISOString(),
  });
  await queueRun(run, deps);
  return run;
};
