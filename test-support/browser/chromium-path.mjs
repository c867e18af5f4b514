// Where the browser tests look for Chromium, in order; shared by scripts/ensure-chromium.mjs and the tests.
/** @returns {string[]} */
export function chromiumCandidates() {
  const fromEnvironment = process.env.CHROMIUM_PATH ? [process.env.CHROMIUM_PATH] : [];
  return [...fromEnvironment, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
}
