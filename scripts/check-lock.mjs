// Fails when package-lock.json holds an entry without a version: `npm ci` on a clean machine
// stops on such placeholders ("Invalid Version"). Regenerate the lock with the stock npm (README).
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'package-lock.json';
const lock = JSON.parse(readFileSync(file, 'utf8'));
const placeholders = Object.entries(lock.packages ?? {})
  .filter(([path, entry]) => path !== '' && !entry.version && !entry.link)
  .map(([path]) => path);
if (placeholders.length) {
  console.error(`${file}: ${placeholders.length} entries without a version (placeholders):`);
  for (const p of placeholders.slice(0, 20)) console.error(`  ${p}`);
  console.error('Regenerate the lock with the stock npm: see README "Maintaining dependencies".');
  process.exit(1);
}
console.log(`${file}: ${Object.keys(lock.packages ?? {}).length - 1} entries, all with a version`);
