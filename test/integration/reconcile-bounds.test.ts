/**
 * Security review M2 (2), reconciliation: a cloud whose `total` lies (1e9 with empty or endlessly
 * full pages, or pages running out below the total) ends the request with a clear 502 after a few
 * cloud calls, instead of paging for ever or answering made-up counts.
 */
import { MAX_RUN_PAGES } from '#shared/use-cases/sync/engine.js';
import { startHarness, type Harness } from '../support/harness.js';

describe('reconciliation against a lying cloud total (M2)', () => {
  let h: Harness;
  let calls = 0;
  const lyingCloud = (total: number, full: boolean) => {
    calls = 0;
    h.stack.deps.cloud.listInvoices = async (_a, _k, q) => {
      if (++calls > 200) throw new Error(`still paging after ${calls - 1} cloud calls`);
      const list = full
        ? Array.from({ length: 500 }, (_, i) => ({ serialNo: `S-${q.pageNo}-${i}` }))
        : [];
      return { total, pageNo: q.pageNo ?? 1, pageSize: 500, list };
    };
  };
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());

  it.each([
    ['empty pages', false],
    ['full pages for ever', true],
  ])('a total of 1e9 with %s is a 502 naming the total and the cap', async (_what, full) => {
    lyingCloud(1e9, full);

    const res = await h.api('GET', '/sync/reconcile?orgId=hz&type=input');

    expect(calls).toBeLessThan(5);
    expect(res.status).toBe(502);
    expect(res.body.error.message).toMatch(/1000000000 invoices/);
    expect(res.body.error.message).toContain(String(MAX_RUN_PAGES));
  });

  it('a page that comes back empty below the total is a 502 naming the page', async () => {
    lyingCloud(5000, false);

    const res = await h.api('GET', '/sync/reconcile?orgId=hz&type=input');

    expect(calls).toBeLessThan(5);
    expect(res.status).toBe(502);
    expect(res.body.error.message).toMatch(/5000 invoices.*page 1 came back with 0/);
  });
});
