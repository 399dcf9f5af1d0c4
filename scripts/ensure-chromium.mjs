#!/usr/bin/env node
// Runs before `npm test`: the browser tests drive Debian's Chromium (test/browser). On a fresh
// machine where we may use apt-get (root), install it; otherwise say exactly what is missing.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = process.env.AUDEX_CHROMIUM ?? '/usr/bin/chromium';
if (existsSync(CHROMIUM)) process.exit(0);

const root = typeof process.getuid === 'function' && process.getuid() === 0;
if (!root || !existsSync('/usr/bin/apt-get')) {
  console.error(
    `The browser tests need Chromium at ${CHROMIUM}. Install it (Debian: apt-get install -y chromium)`,
  );
  console.error('or point AUDEX_CHROMIUM at a Chromium binary, then run npm test again.');
  process.exit(1);
}
console.log('Installing Debian chromium for the browser tests (once)…');
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
execFileSync('apt-get', ['install', '-y', 'chromium'], { stdio: 'inherit', env });
