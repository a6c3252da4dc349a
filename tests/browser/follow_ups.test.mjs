// Browser journey: the screening office actions a follow-up request (issue 9, item 6).
// A reschedule request is raised by cancelling an upcoming appointment with "Yes, within
// the next 6 weeks"; the office marks it booked, then cancels it, which needs a reason.
//
//   cargo build -p screening && node --test tests/browser/follow_ups.test.mjs
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

test('the office marks a follow-up request booked, then cancels it with a reason', async (t) => {
  server.assertAlive('before this journey');
  const s = await Session.open(browser, server, t, { scratch });
  const { page } = s;
  try {
    await s.signInAs(KAREN);

    // An upcoming clinic's participant asks to be rescheduled within 6 weeks.
    await s.goto('/clinics?tab=upcoming');
    await s.clickAndLoad(page.locator('main table a').first(), { expect: new RegExp(`^/clinics/${UUID}$`) });
    assert.equal(
      await page.getByRole('button', { name: /^Check in/ }).count(),
      0,
      'An upcoming clinic should not offer "Check in"',
    );
    await s.clickAndLoad(page.getByRole('link', { name: /^View appointment/ }).first(), {
      expect: new RegExp(`^/appointments/${UUID}$`),
    });
    const name = await text(page.locator('h1'));
    await s.clickAndLoad(page.getByRole('link', { name: 'Cancel or reschedule this appointment' }));
    await page.getByLabel('Unable to attend', { exact: true }).check();
    await page.getByLabel('Yes, within the next 6 weeks', { exact: true }).check();
    await s.clickAndLoad(page.getByRole('button', { name: 'Cancel appointment' }));

    // The request is on the office's list, open today.
    await s.goto('/follow-ups?kind=reschedule');
    const row = () => page.getByTestId('follow-ups').locator('tbody tr', { hasText: name });
    assert.equal(await row().count(), 1, `${name} should be listed under "Reschedule requests"`);
    assert.match(await text(row()), /Open Opened today/, 'A new request should be open and say how long');
    assert.match(await text(row()), /Within the next 6 weeks/);

    // Booked.
    await s.clickAndLoad(row().getByRole('link', { name: /^Update/ }), { expect: new RegExp(`^/follow-ups/${UUID}$`) });
    assert.equal(await text(page.locator('h1')), name);
    await page.getByLabel('Booked', { exact: true }).check();
    await page.getByLabel('Reason or note (required when cancelling)').fill('Booked for the clinic on Tuesday');
    await s.clickAndLoad(page.getByRole('button', { name: 'Save' }), { expect: '/follow-ups' });
    assert.match(await text(page.getByTestId('success-banner')), new RegExp(`${name}: request marked as booked`));
    assert.match(await text(row()), /Booked/, 'The request should now be booked');

    // Cancelling needs a reason.
    await s.clickAndLoad(row().getByRole('link', { name: /^Update/ }), { expect: new RegExp(`^/follow-ups/${UUID}$`) });
    await page.getByLabel('Cancelled', { exact: true }).check();
    await s.clickAndLoad(page.getByRole('button', { name: 'Save' }));
    assert.match(
      await text(page.locator('.nhsuk-error-summary')),
      /Enter why the request is being cancelled/,
      'Cancelling without a reason should be refused with an error summary',
    );
    await page.getByLabel('Cancelled', { exact: true }).check();
    await page.getByLabel('Reason or note (required when cancelling)').fill('Participant moved away');
    await s.clickAndLoad(page.getByRole('button', { name: 'Save' }), { expect: '/follow-ups' });
    assert.match(await text(page.getByTestId('success-banner')), /request marked as cancelled/);
    assert.equal(await page.getByTestId('follow-ups').locator('tbody tr', { hasText: name }).count(), 0, 'A cancelled request leaves the list');

    // Where the office changes when requests are overdue.
    await s.clickAndLoad(page.getByRole('link', { name: 'Change when requests are overdue' }), { expect: '/follow-ups/settings' });
    await page.getByLabel('When is a follow-up request overdue?').fill('0');
    await s.clickAndLoad(page.getByRole('button', { name: 'Save' }));
    assert.match(await text(page.locator('.nhsuk-error-summary')), /Enter a number of days between 1 and 365/);
    await page.getByLabel('When is a follow-up request overdue?').fill('10');
    await s.clickAndLoad(page.getByRole('button', { name: 'Save' }), { expect: '/follow-ups' });
    assert.match(await text(page.locator('main')), /Open requests are tagged overdue after 10 days/);
    await s.finish();
  } catch (e) {
    await s.context.close().catch(() => {});
    throw e;
  }
});
