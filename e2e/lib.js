// Shared harness: starts the real `onething demo` binary on a free port with its
// own data directory, launches Debian's Chromium through playwright-core, and
// offers helpers for logging in, accessibility checks and screenshots.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import readline from 'node:readline';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '..');
export const screenshotDir = path.join(here, 'screenshots');
const axeSource = readFileSync(path.join(here, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

export const PASSWORD = 'demo-2026';

/** A free TCP port on 127.0.0.1 (for servers whose address must be known first). */
export async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts the demo server, on `listen` with `args` added; resolves to { base, stop }. */
export async function startServer({ listen = '127.0.0.1:0', args = [] } = {}) {
  const bin = process.env.ONETHING_BIN || path.join(root, 'target', 'debug', 'onething');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'onething-e2e-'));
  const child = spawn(bin, ['demo', '--listen', listen, '--data-dir', dataDir, ...args], {
    // The nightly policy runs (from 02:00 China time) are off: what a test sees must
    // not depend on the hour it runs at; they have tests of their own.
    env: { ...process.env, ONETHING_LOG: 'warn', ONETHING_BENEFIT_RUN_HOUR: 'off' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = readline.createInterface({ input: child.stdout });
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('demo did not start in 60 s')), 60000);
    child.on('exit', (code) => reject(new Error(`demo exited with ${code}`)));
    lines.on('line', (line) => {
      const match = line.match(/demo running: (http:\/\/[^/]+)\//);
      if (match) { clearTimeout(timer); resolve(match[1]); }
    });
  });
  return {
    base,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

export async function login(page, base, username) {
  await page.goto(`${base}/login`);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForLoadState('load');
}

/** Runs axe-core on the page; returns serious and critical violations. */
export async function seriousViolations(page) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Screenshots of the current page at phone and desktop sizes. */
export async function screenshots(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  const original = page.viewportSize();
  for (const [label, width, height] of [['phone', 360, 740], ['desktop', 1366, 768]]) {
    await page.setViewportSize({ width, height });
    await page.screenshot({ path: path.join(screenshotDir, `${name}-${label}.png`), fullPage: true });
  }
  if (original) { await page.setViewportSize(original); }
}

/** A valid sample value for a form input, by what it asks for. */
export function sampleValue(name, kind, type) {
  if (name.endsWith('id_number') || kind === 'id_number') {
    return name.startsWith('child.') ? '110105202602100016' : '11010519491231002X';
  }
  if (type === 'date') { return '2026-02-10'; }
  if (type === 'tel') { return '13800138000'; }
  if (kind === 'money') { return '1200.50'; }
  if (kind === 'credit_code') { return '91350100M000100Y43'; }
  return '测试' + name.split('.').pop().slice(0, 6);
}

// The smallest valid PNG: a 1x1 transparent pixel.
export const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
  '1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082', 'hex');

/** Fills every empty visible field of a form with a valid value, attaches a PNG to
 *  every file input and accepts every commitment. */
export async function fillForm(page, formSelector) {
  for (const file of await page.locator(`${formSelector} input[type=file]`).all()) {
    await file.setInputFiles({ name: 'scan.png', mimeType: 'image/png', buffer: PNG });
  }
  for (const box of await page.locator(`${formSelector} input[type=checkbox]`).all()) {
    await box.check();
  }
  const inputs = await page.locator(`${formSelector} input[name]:not([type=hidden]):not([type=file]):not([type=checkbox]), ${formSelector} select[name]`).all();
  for (const input of inputs) {
    const name = await input.getAttribute('name');
    const tag = await input.evaluate((el) => el.tagName.toLowerCase());
    if (tag === 'select') {
      const options = await input.locator('option').all();
      if ((await input.inputValue()) === '' && options.length > 1) {
        await input.selectOption({ index: 1 });
      }
      continue;
    }
    if ((await input.inputValue()) !== '') { continue; }
    const kind = await input.getAttribute('data-kind');
    const type = await input.getAttribute('type');
    await input.fill(sampleValue(name, kind, type));
  }
}
