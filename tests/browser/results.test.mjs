// Browser journey: a system administrator changes how a result is coded in GP messages
// (issue 13). A mistyped concept id is refused with its error beside the field, and nothing
// changes; a valid one is saved and listed.
//
//   cargo build -p screening && node --test tests/browser/results.test.mjs
//
// axe-core runs on every page.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Scratch, Server, Session, launchBrowser } from './support/harness.mjs';

let server;
let browser;
let scratch;

before(async () => {
  server = await Server.start();
  browser = await launchBrowser();
  scratch = await Scratch.open(browser);
});

after(async () => {
  await scratch?.close().catch(() => {});
  await browser?.close().catch(() => {});
  await server?.stop();
});

const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();

test('a system administrator codes technical recall results, after a mistyped id is refused', async (t) => {
  server.assertAlive('before this journey');
  const s = await Session.open(browser, server, t, { scratch });
  const { page } = s;
  try {
    await s.signInAs('Mark Ellison');
    // In the header's "More" menu on narrow screens: go straight there.
    await s.goto('/admin/result-codes');
    const row = page.getByTestId('result-code-technical_recall');
    assert.match(await text(row), /Not coded: sent as text/);
    assert.match(await text(page.getByTestId('result-code-normal')), /171175005 Breast neoplasm screening normal \(finding\)/);

    await s.clickAndLoad(row.getByRole('link', { name: /Change/ }), { expect: '/admin/result-codes/technical_recall' });
    await page.getByLabel('Concept id').first().fill('168749008');
    await page.getByLabel('Name').first().fill('Mammography normal (finding)');
    await s.clickAndLoad(page.getByRole('button', { name: 'Save' }));
    assert.match(await text(page.locator('.nhsuk-error-summary')), /Enter a SNOMED CT concept id/);
    assert.match(await text(page.locator('#finding_code-error')), /valid check digit/);

    await page.getByLabel('Concept id').first().fill('168749009');
    await s.clickAndLoad(page.getByRole('button', { name: 'Save' }), { expect: '/admin/result-codes' });
    assert.match(await text(page.getByTestId('success-banner')), /Technical recall/);
    assert.match(
      await text(page.getByTestId('result-code-technical_recall')),
      /168749009 Mammography normal \(finding\).*Changed by Mark Ellison|Changed by Mark Ellison.*168749009/,
    );
    await s.finish();
  } catch (e) {
    await s.context.close().catch(() => {});
    throw e;
  }
});
