/**
 * The simulator in its own process (so the sync side's memory is measured alone).
 * argv: count [phones] — with `phones`, invoices name collectors from BENCH_PHONES (folders).
 */
import { startSimulator } from '#simulator/invoice-cloud.js';
import { BENCH_ORG, BENCH_PHONES } from './common.js';

const count = Number(process.argv[2] ?? 100000);
const phones = process.argv[3] === 'phones' ? BENCH_PHONES : [];
const sim = await startSimulator({
  orgs: [{ ...BENCH_ORG, input: count, phones }],
  endDate: '2024-07-22',
  days: 60,
});
process.stdout.write(`${JSON.stringify({ url: sim.url })}\n`);
process.on('SIGTERM', () => void sim.stop().then(() => process.exit(0)));
