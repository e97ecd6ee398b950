// One Lambda invocation of a bundled function in this fresh process, as the Node.js runtime does
// it: import the bundle (init: a throw here is a cold-start failure), call the exported handler
// with the event and a Lambda-like context, write the outcome as JSON to the result file, exit.
// Usage: node invoke-bundle.mjs <entry> <export> <event.json> <result.json> <context spec JSON>
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [entry, exportName, eventFile, resultFile, specJson] = process.argv.slice(2);
const spec = JSON.parse(specJson);

const serialize = (e) => ({
  name: e?.name ?? 'Error',
  message: e?.message ?? String(e),
  stack: String(e?.stack ?? '')
    .split('\n')
    .slice(0, 12)
    .join('\n'),
});
const done = (outcome) => {
  writeFileSync(resultFile, JSON.stringify(outcome));
  process.exit(0);
};
let phase = 'init';
process.on('uncaughtException', (e) => done({ ok: false, phase, error: serialize(e) }));
process.on('unhandledRejection', (e) => done({ ok: false, phase, error: serialize(e) }));

const initStart = Date.now();
let mod;
try {
  mod = await import(pathToFileURL(entry).href);
} catch (e) {
  done({ ok: false, phase, error: serialize(e) });
}
const handler = mod?.[exportName];
if (typeof handler !== 'function')
  done({
    ok: false,
    phase,
    error: { name: 'Runtime.HandlerNotFound', message: `${entry} exports no ${exportName}` },
  });

phase = 'invoke';
const initMs = Date.now() - initStart;
const deadline = Date.now() + spec.timeoutSeconds * 1000;
const awsRequestId = randomUUID();
const context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: spec.functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: spec.arn,
  memoryLimitInMB: String(spec.memory),
  awsRequestId,
  logGroupName: `/aws/lambda/${spec.functionName}`,
  logStreamName: `2024/07/22/[$LATEST]${awsRequestId.replaceAll('-', '')}`,
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  done: () => {},
  fail: () => {},
  succeed: () => {},
};
try {
  const event = JSON.parse(readFileSync(eventFile, 'utf8'));
  const result = await handler(event, context);
  done({ ok: true, initMs, result: result === undefined ? null : result });
} catch (e) {
  done({ ok: false, phase, initMs, error: serialize(e) });
}
