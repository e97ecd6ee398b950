/**
 * Correlation ids on every log line (issue 16): the use case's ids hold for the scope of its work
 * only, concurrent scopes never see each other's ids, each invocation starts clean with the Lambda
 * context and the X-Ray trace id, and masking covers the ids too.
 */
import type { Context } from 'aws-lambda';
import { logger, withLambdaLogging, withLogKeys, traceIdOf } from '#shared/logger.js';
import { captured } from '../support/log-capture.js';

const context = (requestId: string): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'invoice-cloud-bridge-sync-worker',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:cn-north-1:111122223333:function:sync-worker',
  memoryLimitInMB: '1024',
  awsRequestId: requestId,
  logGroupName: '/aws/lambda/sync-worker',
  logStreamName: 'stream',
  getRemainingTimeInMillis: () => 60_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});
const tick = () => new Promise((r) => setTimeout(r, 1));

describe('correlation ids on log lines', () => {
  const nestedScopes =
    'a scope adds its ids to every line inside it, nested scopes add theirs, none outside';
  it(nestedScopes, async () => {
    const lines = await captured(async () => {
      logger.info('before');
      await withLogKeys({ runId: 'run-1' }, async () => {
        logger.info('in run');
        await withLogKeys({ reqid: 'rq-9' }, async () => {
          await tick();
          logger.warn('cloud call failed', { path: '/p' });
        });
        logger.info('after the call');
      });
      logger.info('after');
    });
    expect(lines.map((l) => [l.message, l.runId, l.reqid])).toEqual([
      ['before', undefined, undefined],
      ['in run', 'run-1', undefined],
      ['cloud call failed', 'run-1', 'rq-9'],
      ['after the call', 'run-1', undefined],
      ['after', undefined, undefined],
    ]);
  });

  it('records handled side by side never see each other’s ids', async () => {
    const lines = await captured(() =>
      Promise.all(
        ['A', 'B', 'C'].map((id) =>
          withLogKeys({ logId: `log-${id}`, messageId: `m-${id}` }, async () => {
            for (let i = 0; i < 3; i++) {
              await tick();
              logger.info(`attempt of ${id}`);
            }
          }),
        ),
      ),
    );
    expect(lines).toHaveLength(9);
    for (const l of lines) {
      const id = String(l.message).slice(-1);
      expect([l.logId, l.messageId]).toEqual([`log-${id}`, `m-${id}`]);
    }
  });

  const scopeWins =
    'the scope’s id wins over a caller’s field of the same name, which is kept aside';
  it(scopeWins, async () => {
    const lines = await captured(() =>
      withLogKeys({ traceId: '1-xray' }, async () =>
        logger.warn('invoice cloud refused a call', { traceId: 'cloud-trace-7', code: '1001' }),
      ),
    );
    expect(lines[0]).toMatchObject({ traceId: '1-xray', shadowed: { traceId: 'cloud-trace-7' } });
  });

  it('phone numbers stay masked in ids and fields alike', async () => {
    const lines = await captured(() =>
      withLogKeys({ userId: 'u-13800138000' }, async () =>
        logger.info('user linked', { phone: '+86 139 0013 9000' }),
      ),
    );
    const text = JSON.stringify(lines);
    expect(text).not.toMatch(/13800138000|139 0013 9000/);
    expect(lines[0]).toMatchObject({ userId: 'u-138****8000' });
  });

  const perInvocation =
    'each invocation: Lambda context and X-Ray trace id on every line, nothing of the last';
  it(perInvocation, async () => {
    const h = withLambdaLogging(async (event: { work?: string }) => {
      logger.info('handling');
      if (event.work)
        await withLogKeys({ runId: event.work }, async () => logger.info('in the run'));
      return 'ok';
    });
    const previous = process.env._X_AMZN_TRACE_ID;
    const lines = await captured(async () => {
      process.env._X_AMZN_TRACE_ID = 'Root=1-aaaa-1111;Parent=p1;Sampled=1';
      await h({ work: 'run-7' }, context('req-1'));
      process.env._X_AMZN_TRACE_ID = 'Root=1-bbbb-2222;Parent=p2;Sampled=1';
      await h({}, context('req-2'));
    });
    process.env._X_AMZN_TRACE_ID = previous;
    expect(
      lines.map((l) => [l.message, l.function_request_id, l.traceId, l.runId, l.function_name]),
    ).toEqual([
      ['handling', 'req-1', '1-aaaa-1111', undefined, 'invoice-cloud-bridge-sync-worker'],
      ['in the run', 'req-1', '1-aaaa-1111', 'run-7', 'invoice-cloud-bridge-sync-worker'],
      ['handling', 'req-2', '1-bbbb-2222', undefined, 'invoice-cloud-bridge-sync-worker'],
    ]);
  });

  it('an HTTP API event adds its request id and its own trace header', async () => {
    const h = withLambdaLogging(async () => logger.info('route answered'));
    const event = {
      requestContext: { requestId: 'api-req-1' },
      headers: { 'x-amzn-trace-id': 'Root=1-cccc-3333' },
    };
    const lines = await captured(() => h(event, context('req-3')));
    expect(lines[0]).toMatchObject({
      apiRequestId: 'api-req-1',
      traceId: '1-cccc-3333',
      function_request_id: 'req-3',
    });
    expect([traceIdOf('Root=1-x;Sampled=0'), traceIdOf('Parent=1'), traceIdOf('1-y')]).toEqual([
      '1-x',
      undefined,
      '1-y',
    ]);
  });
});
