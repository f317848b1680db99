'use strict';

// `npm test`: builds the mock binary once (go build), then runs every test file with node's test
// runner; each file starts its own mock from that binary on a free 127.0.0.1 port.

const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { REPO_ROOT } = require('./helpers/mock');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'contactsmock-zapier-bin-'));
let status = 1;
try {
  const bin = path.join(dir, 'contactsmock');
  execFileSync(process.env.GO || 'go', ['build', '-o', bin, './cmd/contactsmock'], { cwd: REPO_ROOT, stdio: 'inherit' });
  // The CLI file first: it is the longest (each `zapier invoke` starts the CLI), and the others
  // run beside it.
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort((a, b) => (a === 'cli.test.js' ? -1 : b === 'cli.test.js' ? 1 : a.localeCompare(b)))
    .map((f) => path.join(__dirname, f));
  const args = [
    '--test',
    '--test-reporter=spec',
    `--test-concurrency=${Math.max(2, os.availableParallelism())}`,
    // A hung mock or CLI fails its test instead of hanging the run (generous: CI machines are
    // shared, and this is a safety net, not a measure).
    '--test-timeout=120000',
    ...files,
  ];
  const run = spawnSync(process.execPath, args, {
    stdio: 'inherit',
    env: { ...process.env, CONTACTSMOCK_BIN: bin, NODE_ENV: 'test', DISABLE_ZAPIER_ANALYTICS: '1' },
  });
  status = run.status === null ? 1 : run.status;
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
process.exit(status);
