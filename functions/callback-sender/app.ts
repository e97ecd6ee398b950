import { sendCallback, type SendPolicy } from '#shared/callbacks/send.js';
import type { FunctionDeps } from '../deps.js';
import { parseJsonPayload } from '#shared/http/payload.js';
import { makeSqsHandler } from '#shared/http/sqs.js';
import { callbackMessageSchema } from '#shared/schemas/interaction.js';

/** Delivers queued callbacks; each failed delivery is re-queued with its backoff, so the message itself succeeds. */
export const makeHandler = (deps: FunctionDeps<'callback-sender'>, policy: SendPolicy) =>
  makeSqsHandler(async (r) => {
    await sendCallback(
      parseJsonPayload(callbackMessageSchema, r.body, 'callback message'),
      deps,
      policy,
    );
  });
