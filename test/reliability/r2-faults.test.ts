/**
 * R2 cloud faults: 10% 5xx, 5% 429 + Retry-After, 2% timeouts and token expiry mid-run — every
 * invoice arrives.
 */
import { FULL, figure } from '../support/figures.js';
import { ORGS, startHarness, type Harness } from '../support/harness.js';

const COUNT = FULL ? 20_000 : 2_000;

describe(`R2 cloud faults (${COUNT} invoices)`, () => {
  let h: Harness;
  afterEach(() => h.stop());

  it('completes with every invoice through 5xx, 429, timeouts and an expired token', async () => {
    h = await startHarness({
      orgs: [{ ...ORGS[0]!, input: COUNT, output: 0 }],
      stack: {
        pageSize: 100,
        retry: {
          baseDelayMs: 5,
          maxDelayMs: 100,
          budgetMs: 20_000,
          timeoutMs: 400,
          maxAttempts: 8,
        },
      },
    });
    h.sim.setFaults({
      rate5xx: 0.1,
      rate429: 0.05,
      rateTimeout: 0.02,
      retryAfterSeconds: 1,
      hangMs: 1000,
    });
    // The token expires once mid-run (the contract refreshes once per 1300; expiry every few
    // hundred ms is not a real cloud).
    const expire = setTimeout(() => h.sim.expireTokens(), 800);
    const t = Date.now();
    const res = await h.api('POST', '/sync', { type: 'input', orgIds: ['hz'] });
    await h.stack.settle();
    clearTimeout(expire);
    const run = (await h.api('GET', `/sync/runs/${res.body.runs[0].runId}`)).body;
    const calls = h.sim.calls.filter((c) => c.path.includes('/list'));
    const by = (f: (c: (typeof calls)[0]) => boolean) => calls.filter(f).length;
    const seconds = ((Date.now() - t) / 1000).toFixed(1);
    const faults = [
      `${by((c) => c.status >= 500)} × 5xx`,
      `${by((c) => c.status === 429)} × 429`,
      `${by((c) => c.code === '1300')} × expired token`,
    ].join(', ');
    const arrived = `${run.successCount}/${COUNT} invoices in ${seconds} s`;
    figure(`R2: ${arrived} through ${faults} (of ${calls.length} list calls)`);
    expect(run).toMatchObject({ status: 'succeeded', successCount: COUNT });
    expect((await h.stack.deps.stores.invoices.serials('hz', 'input')).length).toBe(COUNT);
    expect(by((c) => c.status >= 500)).toBeGreaterThan(0);
    expect(by((c) => c.code === '1300')).toBeGreaterThan(0);
  });

  it('a total outage: failed → 3 retries → needs_manual, saying what failed', async () => {
    h = await startHarness();
    h.sim.setFaults({ outageTaxNos: [ORGS[0]!.taxNo] });
    const res = await h.api('POST', '/sync', {
      type: 'input',
      orgIds: ['hz'],
      dataDate: '2024-07-20',
    });
    await h.stack.settle();
    const trail: string[] = [];
    for (let i = 1; i <= 3; i++) {
      await h.api('POST', '/_local/events/sync-retry', { time: `2024-07-2${i}T22:00:00Z` });
      await h.stack.settle();
      const r = (await h.api('GET', `/sync/runs/${res.body.runs[0].runId}`)).body;
      trail.push(`${r.status}/${r.attemptCount}`);
    }
    const final = (await h.api('GET', `/sync/runs/${res.body.runs[0].runId}`)).body;
    figure(`R2: outage → ${trail.join(' → ')}: "${final.message.slice(0, 90)}…"`);
    expect(trail).toEqual(['failed/2', 'failed/3', 'needs_manual/4']);
    expect(final.message).toMatch(
      /HTTP 503.*Check the network and the org's clientId configuration/,
    );
  });
});
