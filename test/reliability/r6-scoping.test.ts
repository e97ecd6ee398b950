/** R6 org scoping: an expense caller sees and edits only its own org's invoices, folders and bills. */
import { invoiceIdOf } from '#shared/store/keys.js';
import { figure } from '../support/figures.js';
import { ORGS, startHarness, type Harness } from '../support/harness.js';

describe('R6 org scoping', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.api('POST', '/sync', { type: 'input' });
    await h.stack.settle();
  });
  afterAll(() => h.stop());

  it('an expense token of org sh cannot read or edit org hz', async () => {
    const sh = h.stack.token({ sub: 'u-sh', orgId: 'sh', roles: ['expense'] });
    const hzInvoice = invoiceIdOf(
      'hz',
      'input',
      h.sim.org(ORGS[0]!.taxNo).ledgers.input[0]!.serialNo,
    );
    const shInvoice = invoiceIdOf(
      'sh',
      'input',
      h.sim.org(ORGS[1]!.taxNo).ledgers.input[0]!.serialNo,
    );
    const attempts: [string, string, unknown][] = [
      ['GET', '/invoices?orgId=hz', undefined],
      ['GET', `/invoices/${hzInvoice}`, undefined],
      ['PATCH', `/invoices/${hzInvoice}`, { buyerName: 'x' }],
      ['POST', '/invoices/push', { orgId: 'hz', kind: 'input', invoices: [{}] }],
      [
        'POST',
        '/bills/events',
        {
          type: 'deleted',
          billId: 'B',
          billNo: 'B',
          orgId: 'hz',
          userId: 'u',
          billStatus: 'discarded',
          dataSource: 'E',
          serialNos: [],
        },
      ],
      ['GET', '/users/someone-else/invoices', undefined],
    ];
    const statuses = [];
    for (const [m, p, b] of attempts) statuses.push((await h.api(m, p, b, sh)).status);
    figure(
      `R6: ${attempts.length} cross-org attempts by an expense token → ${statuses.filter((s) => s === 403).length} × 403`,
    );
    expect(statuses).toEqual(attempts.map(() => 403));
    expect((await h.api('GET', `/invoices/${hzInvoice}`)).status).toBe(403); // operator-only token lacks the expense role
    expect((await h.api('GET', `/invoices/${shInvoice}`, undefined, sh)).status).toBe(200);
    expect((await h.api('GET', '/invoices?orgId=sh', undefined, sh)).status).toBe(200);
  });
});
