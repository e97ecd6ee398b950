/**
 * P4 callbacks: the operator re-push of N logs to a local receiver (push use case: load, sign,
 * POST, record the attempt) against raw HTTP POSTs of the same bodies at the same concurrency (100
 * logs per push call). A second figure does the same against a receiver that answers after
 * RECEIVER_LATENCY_MS (a realistic customer endpoint), beside the 0 ms one, never instead of it.
 */
import { setLogLevel } from '#shared/logger.js';
import { buildLocalStack } from '#local/stack.js';
import { pushLogs } from '#shared/use-cases/callbacks/push.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startReceiver } from '#simulator/receiver.js';
import type { InteractionLog, ResultPayload } from '#shared/domain/schemas/interaction.js';
import { fmt, median, spreadOf } from './common.js';

const CHUNK = 100;
/** The receiver latency of P4's second figure (each POST answered after this long). */
export const RECEIVER_LATENCY_MS = 20;

/** A receiver that answers every POST 200 after `ms` (bench only: no recording, no checks). */
const slowReceiver = async (ms: number) => {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), ms),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
};

export const benchCallbacks = async (
  endpoint: string,
  o: { count: number; reps: number; log: (s: string) => void },
) => {
  setLogLevel('ERROR');
  const stack = await buildLocalStack({
    dynamoEndpoint: endpoint,
    cloudUrl: 'http://127.0.0.1:9',
    tablePrefix: `p4${Date.now().toString(36)}`,
  });
  const rcv = await startReceiver();
  const auth = { authorization: `Bearer ${stack.token({ sub: 'b', roles: ['operator'] })}` };
  // A system belongs to an org: register the org first.
  const org = JSON.stringify({ orgName: 'Bench', taxNo: '91330100MA27XK1234', syncEnabled: false });
  if ((await stack.http('PUT', '/orgs/hz', auth, org)).status >= 300) throw new Error('org');
  const register = async (url: string, status: number) => {
    const body = JSON.stringify({ orgId: 'hz', name: 'ERP', callbackUrl: `${url}/hooks` });
    const reg = await stack.http('PUT', '/systems/erp', auth, body);
    if (reg.status !== status) throw new Error(reg.body);
  };
  await register(rcv.url, 201);
  const at = new Date().toISOString();
  const logs: InteractionLog[] = Array.from({ length: o.count }, (_, i) => {
    const logId = `cb_bench_${i}`;
    const payload: ResultPayload = {
      type: 'invoice.result',
      logId,
      orderNo: `ORD${i}`,
      resultType: 'BLUE',
      invoiceNo: String(10000000 + i),
      invoiceCode: '033002100111',
      serialNo: `OUT${i}`,
      reason: null,
      time: '2024-07-22 10:00:00',
    };
    return {
      logId,
      orgId: 'hz',
      systemId: 'erp',
      operationType: 'BLUE_RESULT_CALLBACK',
      dataStatus: 'SUCCEEDED',
      processingMethod: 'API_PASSIVE',
      orderNo: payload.orderNo,
      invoiceNo: payload.invoiceNo,
      request: payload,
      response: null,
      attempts: [],
      webhookId: `msg_${logId}`,
      payload,
      createdAt: at,
      updatedAt: at,
    };
  });
  for (let i = 0; i < logs.length; i += 50)
    await Promise.all(logs.slice(i, i + 50).map((l) => stack.deps.stores.logs.create(l)));
  const ids = logs.map((l) => l.logId);
  const bodies = logs.map((l) => JSON.stringify(l.payload));

  const project = async () => {
    const t = performance.now();
    for (let i = 0; i < ids.length; i += CHUNK) {
      const res = await pushLogs(ids.slice(i, i + CHUNK), stack.deps);
      if (res.some((r) => !r.ok))
        throw new Error(`push failed: ${JSON.stringify(res.find((r) => !r.ok))}`);
    }
    return o.count / ((performance.now() - t) / 1000);
  };
  let target = rcv.url;
  const raw = async () => {
    const t = performance.now();
    for (let i = 0; i < bodies.length; i += CHUNK)
      await Promise.all(
        bodies.slice(i, i + CHUNK).map(async (body) => {
          const r = await fetch(`${target}/hooks`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          });
          await r.text();
        }),
      );
    return o.count / ((performance.now() - t) / 1000);
  };
  /**
   * The emulator's own bound for this path: recording the same attempts (one per log), nothing
   * sent.
   */
  const records = async () => {
    const attempt = {
      at: new Date().toISOString(),
      status: 200,
      latencyMs: 1,
      ok: true,
      response: '{"ok":true}',
      trigger: 'push' as const,
    };
    const t = performance.now();
    for (let i = 0; i < ids.length; i += CHUNK) {
      const recorder = stack.deps.stores.logs.attemptRecorder();
      for (const logId of ids.slice(i, i + CHUNK))
        recorder.add({ logId, attempt, dataStatus: 'SUCCEEDED' });
      await recorder.close();
    }
    return o.count / ((performance.now() - t) / 1000);
  };
  await raw();
  await project();
  const recordRate = await records();
  const recording = `P4 recording ${o.count} attempts alone`;
  o.log(`${recording} (the emulator's write bound for this path): ${Math.round(recordRate)}/s`);
  /** Reps alternating which goes first, so drift in the emulator or receiver favours neither. */
  const measure = async (label: string) => {
    const ratios: number[] = [];
    const rates: { push: number; raw: number }[] = [];
    for (let i = 0; i < o.reps; i++) {
      const first = i % 2 === 0 ? await raw() : await project();
      const second = i % 2 === 0 ? await project() : await raw();
      const [rawRate, push] = i % 2 === 0 ? [first, second] : [second, first];
      rates.push({ push, raw: rawRate });
      ratios.push(push / rawRate);
      const rateOf = `re-push ${Math.round(push)}/s · raw POST ${Math.round(rawRate)}/s`;
      o.log(`P4${label} rep ${i + 1}/${o.reps}: ${rateOf} → ${fmt(push / rawRate)}`);
      rcv.received.length = 0;
    }
    return { ratios, rates };
  };
  const { ratios, rates } = await measure('');
  const slow = await slowReceiver(RECEIVER_LATENCY_MS);
  await register(slow.url, 200);
  target = slow.url;
  const late = await measure(` (receiver ${RECEIVER_LATENCY_MS} ms)`);
  await slow.stop();
  await rcv.stop();
  stack.close();
  const bound = ratios.map((_, i) => rates[i]!.push / Math.min(rates[i]!.raw, recordRate));
  return {
    count: o.count,
    concurrency: CHUNK,
    pushPerSec: median(rates.map((r) => r.push)),
    rawPostPerSec: median(rates.map((r) => r.raw)),
    recordOnlyPerSec: recordRate,
    ratioToRawPost: { ...spreadOf(ratios), target: 0.8 },
    ratioToBound: spreadOf(bound),
    withReceiverLatency: {
      receiverLatencyMs: RECEIVER_LATENCY_MS,
      pushPerSec: median(late.rates.map((r) => r.push)),
      rawPostPerSec: median(late.rates.map((r) => r.raw)),
      ratioToRawPost: spreadOf(late.ratios),
    },
  };
};
