/**
 * `node --import tsx infra/console-bundle.ts <outDir>`: build the console's static files for the
 * CDK asset (called by infra/console.ts at synth; esbuild only, no network).
 */
import { buildConsole } from '../console/build.js';

const outDir = process.argv[2];
if (!outDir) throw new Error('usage: console-bundle.ts <outDir>');
const files = await buildConsole({ outDir, minify: true });
console.error(`console bundle: ${files.length} files → ${outDir}`);
