/** The order feed's URL, held to the callback targets' SSRF rules. */
import { assertSafeCallbackUrl } from '../../adapters/outbound/url-guard.js';
import { BadRequest } from '../../domain/errors.js';

/**
 * The fetch URL checked like a callback URL (https on 443 to public addresses; local mode's
 * loopback allowance), its refusal naming `orderFetchUrl`. Returns the address to connect to.
 */
export const assertSafeFetchUrl = async (raw: string, localMode: boolean): Promise<string> => {
  try {
    return (await assertSafeCallbackUrl(raw, localMode))[0]!;
  } catch (e) {
    if (!(e instanceof BadRequest)) throw e;
    const message = e.message.replace(/^callbackUrl /, '');
    throw new BadRequest(`orderFetchUrl ${message}`, [{ path: 'orderFetchUrl', message }]);
  }
};
