'use strict';

// Starts the real contactsmock binary on a free loopback port for one test file, and talks to its
// admin API. The binary comes from CONTACTSMOCK_BIN (test/run.js builds it once for the whole
// run) or, when a file is run alone, is built here with `go build`.

const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');

// The mock's default OAuth client (docs/oauth.md).
const CLIENT_ID = '6650c2b5a1f0e8c1d2a3b4c5-contactsmock';
const CLIENT_SECRET = 'contactsmock-secret';
// Zapier's own redirect URI for CLI apps: the default client accepts every app's return URL.
const REDIRECT_URI = 'https://zapier.com/dashboard/auth/oauth/return/App123456CLIAPI/';

const tmpDirs = [];
const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
});

const mockBinary = () => {
  if (process.env.CONTACTSMOCK_BIN) return process.env.CONTACTSMOCK_BIN;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'contactsmock-bin-'));
  tmpDirs.push(dir);
  const bin = path.join(dir, 'contactsmock');
  execFileSync(process.env.GO || 'go', ['build', '-o', bin, './cmd/contactsmock'], { cwd: REPO_ROOT, stdio: 'inherit' });
  process.env.CONTACTSMOCK_BIN = bin;
  return bin;
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// startMock runs `contactsmock serve --addr 127.0.0.1:0 --ready-file F` and resolves once F holds
// the base URL. extraArgs are more serve flags.
const startMock = async (extraArgs = []) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'contactsmock-zapier-'));
  tmpDirs.push(dir);
  const readyFile = path.join(dir, 'ready');
  const child = spawn(
    mockBinary(),
    ['serve', '--addr', '127.0.0.1:0', '--ready-file', readyFile, '--log-level', 'warn', ...extraArgs],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  children.add(child);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let state = 'starting';
  exited.then(() => (state = 'exited'));

  for (let i = 0; ; i++) {
    if (fs.existsSync(readyFile)) break;
    if (state === 'exited') throw new Error(`contactsmock exited before it was ready:\n${stderr}`);
    if (i > 1500) throw new Error(`contactsmock not ready after 30 s:\n${stderr}`);
    await sleep(20);
  }
  const baseUrl = fs.readFileSync(readyFile, 'utf8').trim();
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(baseUrl)) throw new Error(`unexpected ready file: ${baseUrl}`);

  const admin = async (method, p, body) => {
    const res = await fetch(`${baseUrl}/__admin${p}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`admin ${method} ${p}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };

  const stop = async () => {
    if (state !== 'exited') {
      child.kill('SIGTERM');
      await exited;
    }
    children.delete(child);
  };

  return { baseUrl, admin, stop, stderr: () => stderr };
};

module.exports = { startMock, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, REPO_ROOT };
