// Fails when a source line is longer than 100 characters (Prettier wraps code at 100 but leaves
// strings and comments alone: those are broken into named parts by hand). Test data may opt out of
// the check line by line with a trailing `// long-line: data`.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const MAX = 100;
const SOURCE = /\.(ts|mts|mjs|js|cjs)$/;
const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
  encoding: 'utf8',
})
  .split('\n')
  .filter((f) => SOURCE.test(f));

const long = [];
for (const file of tracked) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    continue; // deleted in the work tree
  }
  text.split('\n').forEach((line, i) => {
    if ([...line].length > MAX && !line.endsWith('// long-line: data'))
      long.push(`${file}:${i + 1} (${[...line].length})`);
  });
}
if (long.length) {
  console.error(`${long.length} lines over ${MAX} characters:`);
  for (const l of long.slice(0, 50)) console.error(`  ${l}`);
  process.exit(1);
}
console.log(`${tracked.length} source files, no line over ${MAX} characters`);
