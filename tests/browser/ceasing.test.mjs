// Browser journey: the screening office ceases a participant from routine screening from
// her page (issue 12, item 4). Ceasing is refused while an appointment of hers is booked
// ("cancel the appointment first"); once it is cancelled, "Bilateral mastectomy" ceases
// her and her page shows the status.
//
//   cargo build -p screening && node --test tests/browser/ceasing.test.mjs
//
// axe-core runs on every page.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Scratch, Server, Session, launchBrowser } from './support/harness.mjs';

const KAREN = 'Karen Booth'; // Administrative, West Yorkshire (DMO1)

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
const UUID = '[0-9a-f-]{36}';

test('the office ceases a participant from routine screening from her page', async (t) => {
  server.assertAlive('before this journey');
  const s = await Session.open(browser, server, t, { scratch });
  const { page } = s;
  try {
    await s.signInAs(KAREN);

    // A participant booked into an upcoming clinic.
    await s.goto('/clinics?tab=upcoming');
    await s.clickAndLoad(page.locator('main table a').first(), { expect: new RegExp(`^/clinics/${UUID}$`) });
    await s.clickAndLoad(page.getByRole('link', { name: /^View appointment/ }).first(), {
      expect: new RegExp(`^/appointments/${UUID}$`),
    });
    const appointment = new URL(page.url()).pathname;
    const name = await text(page.locator('h1'));
    await s.clickAndLoad(page.getByRole('link', { name: /record$/ }), { expect: new RegExp(`^/participants/${UUID}$`) });
    const participant = new URL(page.url()).pathname;
    const status = () => page.getByTestId('screening-status-summary');
    assert.equal(await text(status()), 'Routine', 'A participant nobody ceased is screened routinely');

    // Not while her appointment is booked.
    await s.clickAndLoad(page.getByRole('link', { name: 'Cease from routine screening' }), {
      expect: `${participant}/screening-status/cease`,
    });
    await s.clickAndLoad(page.getByRole('button', { name: 'Cease from routine screening' }));
    assert.match(
      await text(page.locator('.nhsuk-error-summary')),
      /Select why she is being ceased from screening/,
      'Ceasing without a reason should be refused with an error summary',
    );
    await page.getByLabel('Bilateral mastectomy', { exact: true }).check();
    await s.clickAndLoad(page.getByRole('button', { name: 'Cease from routine screening' }));
    assert.match(
      await text(page.locator('.nhsuk-error-summary')),
      /cancel the appointment first/,
      'Ceasing a participant with a booked appointment should be refused',
    );

    // Cancel the appointment, then cease her.
    await s.goto(appointment);
    await s.clickAndLoad(page.getByRole('link', { name: 'Cancel or reschedule this appointment' }));
    await page.getByLabel('Bilateral mastectomy', { exact: true }).check();
    await page.getByLabel('No, invite to next routine appointment', { exact: true }).check();
    await s.clickAndLoad(page.getByRole('button', { name: 'Cancel appointment' }));

    await s.goto(`${participant}/screening-status/cease`);
    await page.getByLabel('Bilateral mastectomy', { exact: true }).check();
    await page.getByLabel('Details (optional)').fill('Confirmed in the hospital letter');
    await s.clickAndLoad(page.getByRole('button', { name: 'Cease from routine screening' }), {
      expect: new RegExp(`^${participant}\\?screening_status=ceased$`),
    });
    assert.match(await text(page.getByTestId('success-banner')), new RegExp(`${name} has been ceased from routine screening`));
    assert.match(await text(status()), /^Ceased \(Bilateral mastectomy, \d{1,2} [A-Z][a-z]+ \d{4}\)$/);
    const actions = await text(page.getByTestId('screening-status-actions'));
    assert.match(actions, /Reinstate/, 'A ceased participant can be reinstated');
    assert.doesNotMatch(actions, /Cease from routine screening/, 'She cannot be ceased twice');
    await s.finish();
  } catch (e) {
    await s.context.close().catch(() => {});
    throw e;
  }
});
