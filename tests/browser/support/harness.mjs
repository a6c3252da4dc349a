// Shared helpers for the browser tests: start the service on a free port with a fresh
// SQLite database, drive Debian's Chromium through playwright-core, and run axe-core on
// every page a journey visits.
//
// Not a test file itself (the name does not match `node --test`'s patterns).

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

// ---------------------------------------------------------------------------------------
// The service
// ---------------------------------------------------------------------------------------

/** The binary `cargo build -p screening` produces, honouring CARGO_TARGET_DIR. */
export function binaryPath() {
  const targetDir = resolve(repoRoot, process.env.CARGO_TARGET_DIR || 'target');
  return join(targetDir, 'debug', 'screening');
}

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A running `screening serve --demo` with its own temporary database.
 * `server.output()` is the tail of what it printed (stdout and stderr).
 */
export class Server {
  static async start({ readyTimeoutMs = 30_000 } = {}) {
    const bin = binaryPath();
    if (!existsSync(bin)) {
      throw new Error(`The service binary is missing at ${bin}: run \`cargo build -p screening\` first.`);
    }
    const staticDir = process.env.STATIC_DIR
      ? resolve(repoRoot, process.env.STATIC_DIR)
      : join(repoRoot, 'crates', 'web', 'static');
    if (!existsSync(join(staticDir, 'vendor', 'nhsuk-frontend.min.css'))) {
      throw new Error(
        `Front-end assets are missing under ${staticDir}/vendor: run \`npm ci && node scripts/build-assets.mjs\` first.`,
      );
    }
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'screening-browser-'));
    const env = { ...process.env, DATABASE_URL: `sqlite://${dir}/db.sqlite?mode=rwc` };
    // Settings that would change what the tests see; the flags below set the rest.
    for (const k of Object.keys(env)) {
      if (k.startsWith('OIDC_') || k === 'DATABASE_SCHEMA' || k === 'INSECURE_COOKIES') delete env[k];
    }
    const baseURL = `http://localhost:${port}`;
    const child = spawn(
      bin,
      ['serve', '--demo', '--bind', `127.0.0.1:${port}`, '--public-url', baseURL],
      { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const server = new Server(child, baseURL, dir);
    server.databaseUrl = env.DATABASE_URL;
    const deadline = Date.now() + readyTimeoutMs;
    let lastError = 'no answer yet';
    try {
      while (Date.now() < deadline) {
        server.assertAlive('while starting');
        try {
          // The address it binds, so a localhost that resolves to ::1 first cannot confuse this.
          const res = await fetch(`http://127.0.0.1:${port}/sign-in`, {
            redirect: 'manual',
            signal: AbortSignal.timeout(2_000),
          });
          if (res.status === 200) return server;
          lastError = `GET /sign-in answered ${res.status}`;
        } catch (e) {
          lastError = e.cause?.code || e.message;
        }
        await sleep(100);
      }
      throw new Error(
        `The service did not answer GET /sign-in with 200 within ${readyTimeoutMs / 1000}s (${lastError}).\n` +
          `--- service output ---\n${server.output()}`,
      );
    } catch (e) {
      await server.stop();
      throw e;
    }
  }

  constructor(child, baseURL, dir) {
    this.child = child;
    this.baseURL = baseURL;
    this.dir = dir;
    this.exit = null;
    this.stopping = false;
    this.log = '';
    const keep = (chunk) => {
      this.log = (this.log + chunk.toString()).slice(-64 * 1024);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (e) => {
      this.exit = { error: e.message };
    });
    child.on('exit', (code, signal) => {
      this.exit = { code, signal };
    });
  }

  /** Issues an API token acting as the user with `email` at `provider` (the CLI does it). */
  apiToken(email, provider = 'DMO1') {
    return execFileSync(
      binaryPath(),
      ['token', 'create', '--database-url', this.databaseUrl, '--provider', provider, '--user', email],
      { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, RUST_LOG: 'error' } },
    ).trim().split('\n').pop();
  }

  /** Calls the JSON API; returns { status, body }. For setting up a journey's state. */
  async api(token, method, path, body) {
    const res = await fetch(`${this.baseURL}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.status, body: json };
  }

  output() {
    // Strip ANSI colours from tracing output.
    return this.log.replace(/\x1b\[[0-9;]*m/g, '').trimEnd() || '(nothing)';
  }

  /** Throws, with the service's output, if it has stopped when it should not have. */
  assertAlive(when = '') {
    if (this.exit && !this.stopping) {
      const how = this.exit.error ?? `exit code ${this.exit.code}, signal ${this.exit.signal}`;
      throw new Error(`The service stopped unexpectedly ${when} (${how}).\n--- service output ---\n${this.output()}`);
    }
  }

  async stop() {
    this.stopping = true;
    if (!this.exit) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------
// The browser
// ---------------------------------------------------------------------------------------

export const CHROMIUM = '/usr/bin/chromium';

export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: install it with \`apt-get install -y chromium\`.`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

// ---------------------------------------------------------------------------------------
// Accessibility (axe-core)
// ---------------------------------------------------------------------------------------

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
const FAILING_IMPACTS = new Set(['serious', 'critical']);

function describeViolations(violations) {
  return violations
    .map((v) => {
      const targets = v.nodes
        .slice(0, 10)
        .map((n) => `      - ${n.target.join(' ')}${n.failureSummary ? `\n        ${n.failureSummary.replace(/\n/g, '\n        ')}` : ''}`)
        .join('\n');
      const more = v.nodes.length > 10 ? `\n      … and ${v.nodes.length - 10} more` : '';
      return `  [${v.impact}] ${v.id}: ${v.help}\n    ${v.helpUrl}\n${targets}${more}`;
    })
    .join('\n');
}

/**
 * A browser session for one journey: a context with its own cookies, one page, and a
 * record of every page it loaded so the journey can prove it checked each one with axe.
 *
 * Options: `javaScript` (default true) and `bypassCSP` (default true, so axe can be
 * injected with a script tag; the CSP test uses a context that keeps the policy).
 */
export class Session {
  static async open(browser, server, t, { javaScript = true, bypassCSP = true, scratch } = {}) {
    const context = await browser.newContext({
      baseURL: server.baseURL,
      javaScriptEnabled: javaScript,
      bypassCSP,
      viewport: { width: 1280, height: 900 },
    });
    context.setDefaultTimeout(10_000);
    context.setDefaultNavigationTimeout(15_000);
    // Keep tests offline and deterministic: only the service under test is reachable
    // (the NHS font files on assets.nhs.uk are not needed to test behaviour).
    const origin = new URL(server.baseURL).origin;
    await context.route(
      (url) => url.origin !== origin,
      (route) => route.abort('blockedbyclient'),
    );
    const page = await context.newPage();
    return new Session({ context, page, server, t, javaScript, bypassCSP, scratch });
  }

  constructor({ context, page, server, t, javaScript, bypassCSP, scratch }) {
    Object.assign(this, { context, page, server, t, javaScript, bypassCSP, scratch });
    this.loaded = new Set();
    this.checked = new Set();
    this.pageErrors = [];
    this.console = [];
    page.on('load', () => this.loaded.add(page.url()));
    page.on('pageerror', (e) => this.pageErrors.push(e.message));
    page.on('console', (m) => this.console.push({ type: m.type(), text: m.text() }));
  }

  /** Relative path and query of the current page, e.g. "/clinics?tab=today". */
  path() {
    const u = new URL(this.page.url());
    return u.pathname + u.search;
  }

  async goto(path) {
    this.server.assertAlive(`before opening ${path}`);
    const res = await this.page.goto(path);
    assert.ok(res.status() < 400, `Opening ${path} should show the page, not an error (${res.status()}: "${await this.page.title()}")`);
    await this.axe();
    return res;
  }

  /**
   * Clicks something that loads a new page, waits for it, and checks it with axe.
   * `expect` (a path, or a RegExp tested against path and query) says where the user
   * should arrive.
   */
  async clickAndLoad(locator, { expect } = {}) {
    const before = this.path();
    try {
      await Promise.all([this.page.waitForEvent('load'), locator.click()]);
    } catch (e) {
      this.server.assertAlive(`after a click on ${before}`);
      e.message = `Clicking ${locator} on ${before} should open a new page, but nothing loaded: ${e.message}`;
      throw e;
    }
    this.server.assertAlive(`after a click on ${before}`);
    if (expect !== undefined) {
      const here = this.path();
      const ok = expect instanceof RegExp ? expect.test(here) : new URL(this.page.url()).pathname === expect;
      assert.ok(ok, `After the click on ${before} the browser should show ${expect}, but it shows ${here} ("${await this.page.title()}")`);
    }
    await this.axe();
  }

  async reload() {
    await this.page.reload();
    await this.axe();
  }

  /**
   * Runs axe on the current page; fails on serious or critical violations, printing the
   * rule ids, help text and target selectors. Minor and moderate findings are reported as
   * test diagnostics.
   */
  async axe() {
    const url = this.page.url();
    let results;
    if (this.javaScript && this.bypassCSP) {
      await this.page.addScriptTag({ content: AXE_SOURCE });
      results = await this.page.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }), AXE_TAGS);
    } else {
      // axe needs JavaScript, and the page's own policy (script-src 'self') would refuse
      // an injected script: check the same document, served from the same URL so its
      // stylesheets load, in a scratch page that allows it.
      results = await this.scratch.check(url, await this.page.content());
    }
    this.checked.add(url);
    const failing = results.violations.filter((v) => FAILING_IMPACTS.has(v.impact));
    const other = results.violations.filter((v) => !FAILING_IMPACTS.has(v.impact));
    if (other.length) {
      this.t.diagnostic(`axe (not failing) on ${url}:\n${describeViolations(other)}`);
    }
    assert.equal(
      failing.length,
      0,
      `Accessibility problems people using assistive technology would meet on ${new URL(url).pathname}` +
        ` ("${await this.page.title()}"):\n${describeViolations(failing)}`,
    );
  }

  /** Every page this session loaded was checked with axe, and no script failed. */
  async finish() {
    try {
      const unchecked = [...this.loaded].filter((u) => !this.checked.has(u));
      assert.deepEqual(unchecked, [], 'Every page visited should have been checked with axe');
      assert.deepEqual(this.pageErrors, [], 'Pages should run without JavaScript errors');
    } finally {
      await this.context.close();
    }
  }

  // --- Journey steps shared by several tests -------------------------------------------

  /** From the sign-in page, signs in as a demo user and waits for the landing page. */
  async signInAs(name) {
    await this.goto('/sign-in');
    await this.clickAndLoad(this.page.getByRole('link', { name: 'Sign in as a demo user' }), {
      expect: '/sign-in/personas',
    });
    await this.clickAndLoad(this.page.getByRole('button', { name: `Sign in as ${name}`, exact: true }));
    assert.notEqual(
      new URL(this.page.url()).pathname,
      '/sign-in/personas',
      `Signing in as ${name} should leave the persona page, but it is still showing (${await this.page.title()})`,
    );
  }

  /** Opens the first clinic under the "Today" tab of /clinics; returns its path. */
  async openTodaysFirstClinic() {
    if (new URL(this.page.url()).pathname !== '/clinics') await this.goto('/clinics');
    const today = this.page.locator('.nhsuk-tabs__tab[aria-current="page"]');
    assert.match(await today.innerText(), /^Today/, 'The clinics page should open on the "Today" tab');
    const first = this.page.locator('[data-testid=clinic-list] tbody tr').first().getByRole('link');
    assert.ok((await first.count()) > 0, 'There should be at least one clinic today');
    await this.clickAndLoad(first, { expect: /^\/clinics\/[0-9a-f-]{36}$/ });
    return new URL(this.page.url()).pathname;
  }
}

/**
 * A JavaScript-enabled page (policy bypassed) used to run axe on documents captured from
 * sessions that cannot run it themselves.
 */
export class Scratch {
  static async open(browser) {
    const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    return new Scratch(context, page);
  }

  constructor(context, page) {
    this.context = context;
    this.page = page;
  }

  async check(url, html) {
    const origin = new URL(url).origin;
    // The document as the user's browser has it, without its scripts (the session being
    // checked either has JavaScript off, or already ran them into this DOM).
    const body = html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, '');
    await this.context.unrouteAll();
    await this.context.route(
      (u) => u.origin !== origin,
      (route) => route.abort('blockedbyclient'),
    );
    await this.context.route(
      (u) => u.href === url,
      (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body }),
    );
    await this.page.goto(url);
    await this.page.addScriptTag({ content: AXE_SOURCE });
    return this.page.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }), AXE_TAGS);
  }

  async close() {
    await this.context.close();
  }
}

// ---------------------------------------------------------------------------------------
// Formats
// ---------------------------------------------------------------------------------------

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** Today's date as the service sees it (UTC), as YYYY-MM-DD. */
export function todayIso() {
  return new Date().toISOString().slice(0, 10);
}

/** "25 Nov 2026": how the audit log writes today's date (UTC). */
export function todayShort() {
  const d = new Date();
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()].slice(0, 3)} ${d.getUTCFullYear()}`;
}

/** Parses "3 March 1961" into a UTC date, or null. */
export function parseLongDate(s) {
  const m = /^(\d{1,2}) ([A-Z][a-z]+) (\d{4})$/.exec(s.trim());
  if (!m) return null;
  const month = MONTHS.indexOf(m[2]);
  if (month < 0) return null;
  return new Date(Date.UTC(Number(m[3]), month, Number(m[1])));
}

/** Age in whole years on today's date (UTC). */
export function ageToday(dob) {
  const now = new Date();
  let age = now.getUTCFullYear() - dob.getUTCFullYear();
  if (now.getUTCMonth() < dob.getUTCMonth() || (now.getUTCMonth() === dob.getUTCMonth() && now.getUTCDate() < dob.getUTCDate())) {
    age -= 1;
  }
  return age;
}

export const NHS_NUMBER = /^\d{3} \d{3} \d{4}$/;
