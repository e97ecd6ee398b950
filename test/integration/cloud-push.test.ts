import { createHash } from 'node:crypto';
import { createCloudClient } from '#shared/adapters/cloud/client.js';
import { startSimulator, type Simulator } from '#simulator/invoice-cloud.js';
import { ORGS } from '../support/harness.js';

const org = ORGS[0]!;
const auth = { clientId: org.clientId, clientSecret: org.clientSecret, taxNo: org.taxNo };
const fast = {
  baseDelayMs: 5,
  maxDelayMs: 40,
  budgetMs: 5000,
  timeoutMs: 500,
  pollTimeoutMs: 3000,
};
const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const POLL = '/polling/fpzs/portal/invoice/data/v2';
const ACK = '/polling/fpzs/portal/receipt';

const pushChannel =
  'push channel: polling token, long poll, ack, redelivery (client against the simulator)';
describe(pushChannel, () => {
  let sim: Simulator;
  const linkKey = 'link-of-hz';
  beforeEach(async () => {
    sim = await startSimulator({
      orgs: [{ ...org, linkKey, input: 10 }],
      endDate: '2024-07-22',
      push: { holdMs: 150 },
    });
  });
  afterEach(() => sim.stop());
  const client = () => createCloudClient({ baseUrl: sim.url, retry: fast });
  const serials = () =>
    sim
      .org(org.taxNo)
      .ledgers.input.slice(0, 2)
      .map((r) => r.serialNo);

  it('polling token: a signed GET with tin; the secret never travels', async () => {
    const { token, expiresIn } = await client().pollToken(auth);
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    expect(expiresIn).toBeGreaterThan(0);
    const [call] = sim.calls.filter((c) => c.path === '/base/fpzs/polling/oauth/token');
    expect(call!.method).toBe('GET');
    const q = call!.query;
    expect(q).toMatchObject({ client_id: org.clientId, tin: org.taxNo });
    expect(q.sign).toBe(md5(org.clientId + org.clientSecret + q.timestamp!));
    expect(JSON.stringify(call)).not.toContain(org.clientSecret);
    await expect(client().pollToken({ ...auth, clientSecret: 'x' })).rejects.toMatchObject({
      code: '1101',
      retryable: false,
    });
  });

  const pollAckDetails =
    'poll → message → ack → nothing more; the details query fetches the pushed invoices';
  it(pollAckDetails, async () => {
    const c = client();
    const { token } = await c.pollToken(auth);
    const [a, b] = serials() as [string, string];
    const msgId = sim.push(org.taxNo, [a, b], '差旅');
    const m = await c.poll(auth, token, linkKey);
    expect(m).toEqual({
      msgId,
      eventType: expect.any(String),
      serialNos: [a, b],
      invoiceTag: '差旅',
    });
    const records = await c.invoiceDetails(auth, m!.serialNos);
    expect(records.map((r) => (r as { serialNo: string }).serialNo).sort()).toEqual([a, b].sort());
    await c.ack(auth, token, linkKey, msgId);
    expect(sim.pushed(org.taxNo)).toEqual([]);
    const started = Date.now();
    expect(await c.poll(auth, token, linkKey)).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    const polls = sim.calls.filter((x) => x.path === POLL);
    expect(polls.map((x) => x.code)).toEqual(['0000', '1307']);
    // Every call but the token call carries reqid (≥ 13 characters) and taxNo (the contract).
    const traced = { reqid: expect.stringMatching(/^.{13,}$/), taxNo: org.taxNo };
    expect(polls[0]!.query).toEqual({ access_token: token, key: md5(linkKey), ...traced });
    const [ack] = sim.calls.filter((x) => x.path === ACK);
    expect(ack!.query).toEqual({ access_token: token, key: md5(linkKey), msgId, ...traced });
  });

  it('an unacknowledged message is delivered again on a later poll', async () => {
    const c = client();
    const { token } = await c.pollToken(auth);
    const msgId = sim.push(org.taxNo, serials());
    expect((await c.poll(auth, token, linkKey))!.msgId).toBe(msgId);
    expect((await c.poll(auth, token, linkKey))!.msgId).toBe(msgId);
    expect(sim.pushed(org.taxNo)[0]!.deliveries).toBe(2);
    await c.ack(auth, token, linkKey, msgId);
    expect(await c.poll(auth, token, linkKey)).toBeNull();
  });

  const heldPollAndFaults =
    'a held poll answers a message pushed while it waits; faults on the channel are retried';
  it(heldPollAndFaults, async () => {
    await sim.stop();
    sim = await startSimulator({
      orgs: [{ ...org, linkKey, input: 10 }],
      endDate: '2024-07-22',
      push: { holdMs: 2000 },
    });
    const c = client();
    const { token } = await c.pollToken(auth);
    sim.setFaults({ once: ['503'] });
    const started = Date.now();
    setTimeout(() => sim.push(org.taxNo, serials()), 100);
    const m = await c.poll(auth, token, linkKey);
    expect(m!.serialNos).toEqual(serials());
    expect(Date.now() - started).toBeLessThan(1500);
    expect(sim.calls.filter((x) => x.path === POLL).map((x) => x.code ?? x.status)).toEqual([
      503,
      '0000',
    ]);
  });

  it('a wrong link key or an unknown msgId is refused, not retried', async () => {
    const c = client();
    const { token } = await c.pollToken(auth);
    await expect(c.poll(auth, token, 'other-key')).rejects.toMatchObject({ code: '1001' });
    await expect(c.ack(auth, token, linkKey, 'no-such-msg')).rejects.toMatchObject({
      code: '1404',
      retryable: false,
    });
    await expect(c.poll(auth, 'bad-token', linkKey)).rejects.toMatchObject({ code: '1300' });
  });
});
