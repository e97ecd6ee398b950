/**
 * Chromium for the browser tests: Debian's `/usr/bin/chromium` (or CHROMIUM_PATH) driven by
 * playwright-core, never a downloaded browser. A clear error when it is missing.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const launchChromium = async (): Promise<Browser> => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install it with ` +
        '`apt-get install -y chromium` (.ci/run does), or set CHROMIUM_PATH',
    );
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
    ],
  });
};
