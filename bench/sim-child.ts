/** The simulator in its own process (so the sync side's memory is measured alone). argv: count */
import { startSimulator } from '#simulator/invoice-cloud.js';
import { BENCH_ORG } from './common.js';

const count = Number(process.argv[2] ?? 100000);
const sim = await startSimulator({
  orgs: [{ ...BENCH_ORG, input: count }],
  endDate: '2024-07-22',
  days: 60,
});
process.stdout.write(`${JSON.stringify({ url: sim.url })}\n`);
process.on('SIGTERM', () => void sim.stop().then(() => process.exit(0)));
