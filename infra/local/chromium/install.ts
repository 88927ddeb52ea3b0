import { existsSync } from 'node:fs';
import { UserFacingError } from '../../../core/errors';
import { runStep } from '../commands';

/** Debian's Chromium, driven by playwright-core in the browser tests (no browser download). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Installs Chromium from Debian's packages when it is missing (once per machine). */
export function ensureChromium(say: (line: string) => void): string {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  if (process.getuid?.() !== 0) {
    throw new UserFacingError(
      `Chromium is not installed (${CHROMIUM_PATH}) and is needed by the browser tests`,
      'run: sudo apt-get update && sudo apt-get install -y chromium (or set CHROMIUM_PATH)',
    );
  }
  say('installing Chromium from Debian packages for the browser tests (once; a minute or two)...');
  runStep('apt-get update', 'apt-get', ['update']);
  runStep('installing chromium', 'apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  say(`  chromium installed at ${CHROMIUM_PATH}`);
  return CHROMIUM_PATH;
}
