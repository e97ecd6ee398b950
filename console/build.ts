/**
 * The operator console's static bundle (issue 17): esbuild bundles `src/main.ts` (Preact + htm)
 * into `app.js`, beside `index.html`, `app.css` and the `config.json` the app reads at start. No
 * framework CLI and no network: everything comes from node_modules.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { ConsoleConfig } from './config.js';

export type { ConsoleConfig } from './config.js';

const here = dirname(fileURLToPath(import.meta.url));

/** The page: strict enough for a CSP of `'self'` (no inline script or style). */
const INDEX_HTML = `<!doctype html>
<html lang="zh-CN">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Invoice Cloud Bridge</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="app.css" />
  </head>
  <body>
    <div id="app"></div>
    <script type="module" src="app.js"></script>
  </body>
</html>
`;

const DEFAULT_CONFIG: ConsoleConfig = { apiUrl: '', auth: { mode: 'dev' } };

/** The console's files, name → content, built in memory (`npm start` serves them from here). */
export async function bundleConsole(
  opts: { minify?: boolean; config?: ConsoleConfig } = {},
): Promise<Map<string, string>> {
  const out = await build({
    entryPoints: [join(here, 'src', 'main.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2020',
    platform: 'browser',
    minify: opts.minify ?? false,
    write: false,
    outfile: 'app.js',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const js = out.outputFiles.find((f) => f.path.endsWith('app.js'));
  if (!js) throw new Error('console: esbuild produced no app.js');
  const css = await readFile(join(here, 'src', 'app.css'), 'utf8');
  return new Map([
    ['index.html', INDEX_HTML],
    ['app.js', js.text],
    ['app.css', css],
    ['config.json', `${JSON.stringify(opts.config ?? DEFAULT_CONFIG, null, 2)}\n`],
  ]);
}

/**
 * Build the console into `outDir` (the CDK app deploys that folder to S3). Returns the paths
 * written.
 */
export async function buildConsole(opts: {
  outDir: string;
  minify?: boolean;
  config?: ConsoleConfig;
}): Promise<string[]> {
  const files = await bundleConsole(opts);
  await mkdir(opts.outDir, { recursive: true });
  const written: string[] = [];
  for (const [name, text] of files) {
    const path = join(opts.outDir, name);
    await writeFile(path, text);
    written.push(path);
  }
  return written;
}
