/**
 * `npm run demo`: a realistic day on the embedded local stack, through the real handlers over
 * HTTP — full sync with progress, an incremental day, a failing org through its retries, a
 * protected local edit, the push channel, bill write-back, callbacks, reconciliation, the run log.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDynamoLocal } from './dynamo-local.js';
import { buildLocalStack, nodeListener } from './stack.js';
import { DEMO_ORGS } from './demo-orgs.js';
import { registerDemoOrgs } from './start.js';
import { startSimulator } from '#simulator/invoice-cloud.js';
import { addDays, cstDate } from '#shared/domain/time/cst.js';
import type { Run } from '#shared/domain/schemas/sync.js';
import { invoiceIdOf } from '#shared/adapters/dynamo/keys.js';
import { setLogLevel } from '#shared/logger.js';
import { startReceiver } from '#simulator/receiver.js';

setLogLevel('SILENT');
const t0 = Date.now();
const step = (s: string) => console.log(`\n▶ ${s}`);
const today = cstDate(new Date());

step('Starting the local stack: DynamoDB Local, invoice-cloud simulator, handlers');
const dynamo = await startDynamoLocal();
const sim = await startSimulator({
  orgs: DEMO_ORGS.map((o) => o.sim),
  endDate: addDays(today, -1),
  days: 30,
  push: { holdMs: 1000 },
});
const stack = await buildLocalStack({
  dynamoEndpoint: dynamo.endpoint,
  cloudUrl: sim.url,
  tablePrefix: 'demo',
  retry: { baseDelayMs: 50, maxDelayMs: 200, budgetMs: 2000, maxAttempts: 3 },
});
const server = createServer(nodeListener(stack)).listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const token = stack.token({ sub: 'demo-operator', orgId: 'hz', roles: ['operator', 'expense'] });
const api = async (method: string, path: string, body?: unknown, as = token) => {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${as}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as any;
  if (res.status >= 400)
    throw new Error(`${method} ${path} → ${res.status}: ${json.error?.message}`);
  return json;
};
console.log(`  API ${base} · DynamoDB Local ${dynamo.endpoint} · simulator ${sim.url}`);
console.log(`  tables: ${Object.values(stack.tables).join(', ')}`);

const registered = await registerDemoOrgs(stack);
if (registered.some((status) => status >= 400))
  throw new Error(`PUT /orgs: demo orgs not registered (${registered.join(', ')})`);
const orgLine = (o: (typeof DEMO_ORGS)[number]) =>
  `${o.orgId} (${o.sim.input} input invoices in the cloud)`;
console.log(`  organisations: ${DEMO_ORGS.map(orgLine).join(', ')}`);

const watch = async (runIds: string[]): Promise<Run[]> => {
  for (;;) {
    const runs = (await Promise.all(runIds.map((id) => api('GET', `/sync/runs/${id}`)))) as Run[];
    const line = runs
      .map((r) => {
        const total = r.progress?.total ? `/${r.progress.total}` : '';
        return `${r.orgId}: ${r.status} ${r.successCount}${total}`;
      })
      .join(' · ');
    process.stdout.write(`\r  ${line}`.padEnd(100));
    if (runs.every((r) => ['succeeded', 'failed', 'needs_manual'].includes(r.status))) {
      await stack.settle();
      process.stdout.write('\n');
      return runs;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
};

const collector = DEMO_ORGS[0]!.sim.phones![0]!;
await api('PUT', '/users/zhang.wei', { name: '张伟', phone: collector, orgIds: ['hz'] });
await api('PUT', '/config', { personalFolderSync: true });
const folderSize = async () => {
  let n = 0;
  let cursor: string | null = null;
  const own = stack.token({ sub: 'zhang.wei', orgId: 'hz', roles: ['user'] });
  do {
    const res = await fetch(
      `${base}/users/zhang.wei/invoices?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
      { headers: { authorization: `Bearer ${own}` } },
    );
    const page = (await res.json()) as { items: unknown[]; nextCursor: string | null };
    n += page.items.length;
    cursor = page.nextCursor;
  } while (cursor);
  return n;
};
const maskedPhone = `${collector.slice(0, 3)}****${collector.slice(-4)}`;
console.log(`  user zhang.wei (phone ${maskedPhone}) registered; personal folder sync switched on`);

step('Full sync (no data date) of every organisation');
sim.setFaults({ outageTaxNos: [DEMO_ORGS[2]!.sim.taxNo] });
const t = Date.now();
const full = await watch(
  (await api('POST', '/sync', { type: 'input' })).runs.map((r: Run) => r.runId),
);
const synced = full.reduce((n, r) => n + r.successCount, 0);
const fullSeconds = (Date.now() - t) / 1000;
const rate = `${Math.round(synced / fullSeconds)}/s`;
const gzMessage = full.find((r) => r.orgId === 'gz')?.message;
console.log(
  `  ${synced} invoices in ${fullSeconds.toFixed(1)} s (${rate}); gz is down: ${gzMessage}`,
);

console.log(`  zhang.wei's personal folder: ${await folderSize()} invoices`);

step(
  `A day passes: the cloud changes 25 invoices and gets 40 new ones on ${today}; ` +
    'the daily schedule runs',
);
const hz = DEMO_ORGS[0]!.sim.taxNo;
const ledger = sim.org(hz).ledgers.input;
const edited = ledger[5]!;
await api('PATCH', `/invoices/${invoiceIdOf('hz', 'input', edited.serialNo)}`, {
  buyerName: '财务手工更正有限公司',
});
console.log(`  finance corrected the buyer of ${edited.serialNo} by hand (modified = true)`);
for (const r of ledger.slice(0, 25))
  sim.mutate(hz, 'input', r.serialNo, {
    expendStatus: 60,
    buyerName: '云端新名称',
    invoiceTag: '已报销',
  });
sim.add(
  hz,
  'input',
  ledger.slice(100, 140).map((r, i) => ({
    ...r,
    serialNo: `NEW${today.replaceAll('-', '')}${i}`,
    updateTime: `${today} 10:00:${String(i % 60).padStart(2, '0')}`,
  })),
);
const daily = await api('POST', '/_local/events/daily-sync', { time: new Date().toISOString() });
console.log(
  `  schedule queued ${daily.created.length} runs (today + lookback day for each eligible org)`,
);
const inc = await watch(daily.created.map((r: Run) => r.runId));
for (const r of inc.filter((x) => x.dataDate === today))
  console.log(`  ${r.orgId} ${r.dataDate}: ${r.status}, ${r.message}`);
console.log(
  `  zhang.wei's personal folder now: ${await folderSize()} invoices (links only ever added)`,
);
const kept = await api('GET', `/invoices/${invoiceIdOf('hz', 'input', edited.serialNo)}`);
const keptFace = `buyer "${kept.buyerName}" kept (modified ${kept.modified})`;
const fromCloud = `status ${kept.expendStatus} and annotation "${kept.annotation}" from the cloud`;
console.log(`  ${edited.serialNo}: ${keptFace}, ${fromCloud}`);

step('The failing organisation goes through its retries');
const failedRun = full.find((r) => r.orgId === 'gz')!;
for (let i = 1; i <= 3; i++) {
  const time = new Date(Date.now() + i * 86400000).toISOString();
  await api('POST', '/_local/events/sync-retry', { time });
  await stack.settle();
  const r = (await api('GET', `/sync/runs/${failedRun.runId}`)) as Run;
  console.log(`  retry ${i}: ${r.status} (attemptCount ${r.attemptCount})`);
}
console.log(
  `  operator sees: ${((await api('GET', `/sync/runs/${failedRun.runId}`)) as Run).message}`,
);

step('Pushed invoices through the push channel: long poll, store, then acknowledge');
const hzOrg = DEMO_ORGS[0]!.sim;
await api('PUT', '/orgs/hz', {
  orgName: hzOrg.orgName,
  taxNo: hzOrg.taxNo,
  pushEnabled: true,
  linkKey: `link-${hzOrg.clientId}`,
});
const pushedSerials = ledger.slice(10, 13).map((r) => r.serialNo);
const msgId = sim.push(hz, pushedSerials, '差旅');
const turn = await api('POST', '/_local/events/push-consumer', { time: new Date().toISOString() });
const hzTurn = turn.orgs.find((o: { orgId: string }) => o.orgId === 'hz');
const stored = `${hzTurn.messages} message stored (${hzTurn.invoices} invoices)`;
const leftInCloud = `unacknowledged left in the cloud: ${sim.pushed(hz).length}`;
const message = `message ${msgId} (${pushedSerials.length} serials)`;
console.log(`  ${message}: ${stored}, then acknowledged; ${leftInCloud}`);
const pushedOne = await api('GET', `/invoices/${invoiceIdOf('hz', 'input', pushedSerials[0]!)}`);
console.log(
  `  ${pushedSerials[0]} annotation "${pushedOne.annotation}" from the message's invoiceTag`,
);
const hzPush = await api('GET', '/orgs/hz');
const counts = `pushedMessages ${hzPush.pushedMessages}, pushedInvoices ${hzPush.pushedInvoices}`;
console.log(`  org hz: lastPushAt ${hzPush.lastPushAt}, ${counts}`);

step(
  'Bill write-back: a bill saved, changed, one invoice unbound, paid, then deleted ' +
    '(FIFO per org and bill; an invoice leaving the bill is released to 1 while still on it; ' +
    'the delete releases the rest)',
);
await api('PUT', '/config', { writeback: true });
const [s1, s2, s3] = sim
  .org(hz)
  .ledgers.input.slice(200, 203)
  .map((r) => r.serialNo) as [string, string, string];
const bill = {
  billId: 'B-DEMO-1',
  billNo: 'BX-DEMO-0001',
  orgId: 'hz',
  userId: 'zhang.wei',
  dataSource: 'EXPENSE',
};
const view = () => {
  const b = sim.bill(hz, bill.billId);
  if (!b) return 'no such bill';
  const uses = b.serialNos.map((s) => `${s} (${b.expenseStatus[s]})`);
  return `invoices (use status) ${uses.join(', ')}`;
};
for (const [label, ev] of [
  ['saved (draft, 2 invoices)', { type: 'saved', billStatus: 'draft', serialNos: [s1, s2] }],
  [
    'changed (submitted, 3 invoices)',
    { type: 'saved', billStatus: 'submitted', serialNos: [s1, s2, s3] },
  ],
  [`invoice ${s2} unbound`, { type: 'invoiceUnbound', billStatus: 'submitted', serialNos: [s2] }],
  ['paid', { type: 'saved', billStatus: 'paid', serialNos: [s1, s3] }],
  ['deleted', { type: 'deleted', billStatus: 'discarded', serialNos: [] }],
] as const) {
  await api('POST', '/bills/events', { ...bill, ...ev });
  await stack.settle();
  console.log(`  ${label.padEnd(34)} → cloud: ${view()}`);
}
// The bill is gone at the cloud; its invoices' use status is on the cloud's ledger records.
const ledgerUse = [s1, s2, s3].map((s) => {
  const r = sim.org(hz).ledgers.input.find((x) => x.serialNo === s);
  return `${s} (${r?.expendStatus ?? 'not found'})`;
});
console.log(
  `  ${'after the delete'.padEnd(34)} → cloud ledger: use status ${ledgerUse.join(', ')}`,
);
const billLog = (await api('GET', `/bills/${bill.billId}/logs?orgId=${bill.orgId}`)).items as {
  step: string;
  outcome: string;
}[];
console.log(`  bill log: ${billLog.map((l) => `${l.step}:${l.outcome}`).join(' · ')}`);

step(
  'Callbacks: an order in, its result out, the customer system failing twice then ' +
    'recovering, an operator re-push',
);
const receiver = await startReceiver();
const system = await api('PUT', '/systems/erp', {
  orgId: 'hz',
  name: 'Customer ERP',
  callbackUrl: `${receiver.url}/invoice-results`,
});
console.log(
  `  system erp registered; signing secret shown once: ${String(system.secret).slice(0, 12)}…`,
);
const out = sim.org(hz).ledgers.output.find((r) => r.invoiceStatus === 0)!;
await api('POST', '/billing/orders', {
  systemId: 'erp',
  orderNo: out.orderNo,
  buyer: '示例客户',
  amount: out.totalAmount,
});
receiver.failNext(503, 500);
const pushed = await api(
  'POST',
  '/billing/results',
  {
    orderNo: out.orderNo,
    resultType: 'BLUE',
    invoiceNo: out.invoiceNo,
    invoiceCode: out.invoiceCode,
    serialNo: out.serialNo,
    time: out.updateTime,
  },
  stack.token({ sub: 'invoice-cloud', orgId: 'hz', roles: ['cloud'] }),
);
for (let i = 0; i < 200; i++) {
  const l = (
    await api('GET', `/interaction-logs?orderNo=${out.orderNo}&operationType=BLUE_RESULT_CALLBACK`)
  ).items[0];
  if (l?.dataStatus === 'SUCCEEDED') break;
  await new Promise((r) => setTimeout(r, 100));
}
const cbLog = (
  await api('GET', `/interaction-logs?orderNo=${out.orderNo}&operationType=BLUE_RESULT_CALLBACK`)
).items[0];
const webhookIds = () => new Set(receiver.received.map((r) => r.headers['webhook-id'])).size;
const statuses = cbLog.attempts.map((a: { status: number }) => a.status).join(' → ');
console.log(
  `  ${cbLog.operationType} for ${out.orderNo}: ${statuses} ` +
    `(${cbLog.dataStatus}, one webhook id: ${webhookIds() === 1})`,
);
const repush = await api('POST', '/interaction-logs/push', { logIds: [pushed.logId] });
const seen = `${receiver.received.length} requests with ${webhookIds()} distinct webhook id`;
console.log(`  operator re-push: ${JSON.stringify(repush.results)}; the receiver saw ${seen}`);

step(
  'Orders by pull and by schedule: a shop whose signed feed pages, repeats an order and fails ' +
    'once; then an output sync answers orders with results',
);
const shopFeed = receiver.feed('shop');
const shop = await api('PUT', '/systems/shop', {
  orgId: 'hz',
  name: 'Web shop',
  callbackUrl: `${receiver.url}/shop-results`,
  orderFetchUrl: shopFeed.url,
});
const answered = sim.org(hz).ledgers.output.filter((r) => r.orderNo && r.orderNo !== out.orderNo);
const feedOrder = (r: (typeof answered)[number]) => ({
  orderNo: r.orderNo!,
  amount: r.totalAmount,
});
Object.assign(shopFeed.feed, { secret: shop.secret, pageSize: 2, repeat: 1 });
shopFeed.feed.orders.push(...answered.slice(0, 3).map(feedOrder));
shopFeed.feed.failNext(1);
const pulled = await api('POST', '/systems/shop/fetch-orders');
console.log(
  `  pull (API_ACTIVE): ${pulled.fetched} fetched in ${pulled.pages} pages, ${pulled.logged} ` +
    `logged (first try answered 503, retried)`,
);
shopFeed.feed.orders.push(...answered.slice(3, 5).map(feedOrder));
const scheduled = await api('POST', '/_local/events/order-fetch', {
  time: new Date().toISOString(),
});
console.log(
  `  schedule (SCHEDULED): ${scheduled.systems} system with a feed, ${scheduled.logged} new ` +
    `orders logged, ${scheduled.failed.length} failed`,
);
const verified = shopFeed.feed.requests.filter((r) => r.verified).length;
console.log(`  the shop verified ${verified}/${shopFeed.feed.requests.length} signed requests`);
const outputRun = await api('POST', '/sync', { type: 'output', orgIds: ['hz'] });
await watch(outputRun.runs.map((r: Run) => r.runId));
const methods = ['API_PASSIVE', 'API_ACTIVE', 'SCHEDULED', 'DB_SYNC'] as const;
const byMethod: Record<string, number> = {};
for (const m of methods)
  byMethod[m] = (
    await api('GET', `/interaction-logs?processingMethod=${m}&limit=200`)
  ).items.length;
console.log(`  interaction logs by processing method: ${JSON.stringify(byMethod)}`);
await receiver.stop();

step('Reconciliation of hz, input, full ledger');
const rec = await api('GET', '/sync/reconcile?orgId=hz&type=input');
const missing =
  `missing in pool ${rec.missingInPoolCount} · ` + `missing in cloud ${rec.missingInCloudCount}`;
const verdict = rec.matched ? 'reconciled' : 'DIFFERENCES';
console.log(`  cloud ${rec.cloudCount} · pool ${rec.poolCount} · ${missing} → ${verdict}`);

step('Run log (newest first)');
const runs = (await api('GET', '/sync/runs?limit=20')).items as Run[];
console.table(
  runs.map((r) => ({
    run: r.runId,
    org: r.orgId,
    type: r.type,
    dataDate: r.dataDate ?? 'full',
    status: r.status,
    success: r.successCount,
    attempts: r.attemptCount,
    pages: r.pages,
  })),
);

step('Summary');
const pool = await api('GET', '/invoices?orgId=hz&limit=1');
const deadSync = `${stack.queues.sync.dead.length} dead-lettered sync messages`;
console.log(
  `  health: DynamoDB Local up, simulator up, ${stack.errors.length} handler errors, ${deadSync}`,
);
const listing = `listing works (first hz invoice ${pool.items[0]?.serialNo})`;
console.log(
  `  pool: ${synced + 40} invoices synced across ${DEMO_ORGS.length - 1} orgs; ${listing}`,
);
const fourMethods = methods.every((m) => (byMethod[m] ?? 0) > 0);
console.log(
  `  orders: all four processing methods in the interaction logs: ${fourMethods} ` +
    `(${methods.map((m) => `${m} ${byMethod[m]}`).join(' · ')})`,
);
console.log(`  done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
server.close();
await sim.stop();
await dynamo.stop();
process.exit(0);
