// Browser journeys through the service with demo data, in Debian's Chromium.
//
//   cargo build -p screening && npm run test:browser
//
// The test starts the service itself (fresh SQLite database, free port), and runs axe-core
// on every page each journey visits, failing on serious or critical violations.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  NHS_NUMBER,
  Scratch,
  Server,
  Session,
  ageToday,
  launchBrowser,
  parseLongDate,
  todayIso,
  todayShort,
} from './support/harness.mjs';

const CLINICAL = 'Jane Hargreaves'; // Clinical, West Yorkshire (DMO1) only
const MULTI_PROVIDER = 'Aisha Rahman'; // West Yorkshire and Greater Manchester
const SYSTEM_ADMIN = 'Mark Ellison'; // System administrator, West Yorkshire
const WEST_YORKSHIRE = 'West Yorkshire Breast Screening Service (demo)';
const GREATER_MANCHESTER = 'Greater Manchester Breast Screening Service (demo)';

let server;
let browser;
let scratch;
/** Check-ins done by earlier journeys: { name, nhsDigits, appointmentId, clinicPath }. */
const checkedIn = [];

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

/**
 * A journey: a test with its own browser session (cookies), that fails with the
 * service's output if the service stopped underneath it.
 */
function journey(name, options, fn) {
  if (typeof options === 'function') [options, fn] = [{}, options];
  test(name, async (t) => {
    server.assertAlive('before this journey');
    const s = await Session.open(browser, server, t, { ...options, scratch });
    try {
      await fn(s, t);
      await s.finish();
    } catch (e) {
      await s.context.close().catch(() => {});
      if (server.exit && !server.stopping) {
        e.message += `\n--- the service stopped (${JSON.stringify(server.exit)}); its output ---\n${server.output()}`;
      }
      throw e;
    }
  });
}

// --- Reading pages ---------------------------------------------------------------------

const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();

async function assertHeader(s, { user, provider }) {
  const page = s.page;
  assert.equal(await page.getByTestId('signed-in-user').count(), 1, 'The header should show who is signed in');
  assert.match(await text(page.getByTestId('signed-in-user')), new RegExp(user), `The header should name ${user}`);
  if (provider) {
    assert.match(
      await text(page.getByTestId('current-provider')),
      new RegExp(provider.replace(/[()]/g, '\\$&')),
      `The header should show the provider ${provider}`,
    );
  }
}

/** The appointment rows of a clinic page, read as a user sees them. */
async function readRows(s) {
  const rows = s.page.getByTestId('appointment-row');
  const out = [];
  for (let i = 0, n = await rows.count(); i < n; i++) {
    const row = rows.nth(i);
    const cells = row.locator('td');
    const nameLink = cells.nth(1).getByRole('link');
    const checkIn = row.getByRole('button', { name: /^Check in/ });
    out.push({
      row,
      time: await text(cells.nth(0)),
      name: await text(nameLink),
      participantHref: await nameLink.getAttribute('href'),
      nameCell: await text(cells.nth(1)),
      dobCell: await text(cells.nth(2)),
      status: await text(row.getByTestId('status-tag')),
      nhsDigits: await row.getAttribute('data-nhs-number'),
      canCheckIn: (await checkIn.count()) > 0,
      checkInAction: (await checkIn.count()) > 0 ? await row.locator('form').getAttribute('action') : null,
    });
  }
  return out;
}

async function selectFilter(s, label) {
  await s.clickAndLoad(s.page.locator('.nhsuk-tabs__tab', { hasText: new RegExp(`^${label} \\(`) }), {
    expect: new RegExp(`[?&]filter=${label.toLowerCase().replace(/ /g, '_')}\\b`),
  });
}

async function rowFor(s, nhsDigits) {
  return s.page.locator(`[data-testid=appointment-row][data-nhs-number="${nhsDigits}"]`);
}

/** Checks in the first scheduled participant on the current clinic page. */
async function checkInFirstScheduled(s, { notNhs = [] } = {}) {
  const rows = await readRows(s);
  const target = rows.find((r) => r.canCheckIn && !notNhs.includes(r.nhsDigits));
  assert.ok(target, 'The clinic should have a scheduled participant with a "Check in" button');
  const appointmentId = /\/appointments\/([0-9a-f-]{36})\/check-in$/.exec(target.checkInAction)?.[1];
  assert.ok(appointmentId, `The "Check in" form should post to /appointments/{id}/check-in, not ${target.checkInAction}`);
  const clinicPath = new URL(s.page.url()).pathname;
  await s.clickAndLoad(target.row.getByRole('button', { name: `Check in ${target.name}` }), {
    expect: new RegExp(`^${clinicPath}\\?.*done=check_in`),
  });
  const banner = s.page.getByTestId('success-banner');
  assert.equal(await banner.count(), 1, `After checking in ${target.name} a success banner should show`);
  assert.match(await text(banner), new RegExp(`${target.name} has been checked in`), 'The success banner should say who was checked in');
  const done = { name: target.name, nhsDigits: target.nhsDigits, appointmentId, clinicPath };
  checkedIn.push(done);
  return done;
}

async function assertCheckedIn(s, who, where) {
  const row = await rowFor(s, who.nhsDigits);
  assert.equal(await row.count(), 1, `${who.name} should be listed ${where}`);
  assert.equal(await text(row.getByTestId('status-tag')), 'Checked in', `${who.name}'s status should be "Checked in" ${where}`);
  assert.equal(
    await row.getByRole('button', { name: /^Check in/ }).count(),
    0,
    `${who.name} should no longer have a "Check in" button ${where}`,
  );
}

// --- Journeys ----------------------------------------------------------------------------

journey('1. a mammographer signs in, opens today\'s clinic and checks in a participant', async (s) => {
  const { page } = s;
  await s.signInAs(CLINICAL);
  assert.equal(s.path(), '/clinics', `${CLINICAL} works for one provider, so should land on the clinics page`);
  await assertHeader(s, { user: CLINICAL, provider: WEST_YORKSHIRE });
  for (const tab of ['Today', 'Upcoming', 'Completed', 'All']) {
    assert.match(
      await text(page.locator('.nhsuk-tabs__tab', { hasText: new RegExp(`^${tab} `) })),
      new RegExp(`^${tab} \\(\\d+\\)$`),
      `The clinics page should have a "${tab}" tab with a count`,
    );
  }
  assert.equal(
    await page.getByRole('link', { name: 'Audit log' }).count(),
    0,
    'A mammographer is not a system administrator and should not be offered the audit log',
  );

  await s.openTodaysFirstClinic();
  await selectFilter(s, 'All');
  assert.match(
    await text(page.locator('.nhsuk-tabs__tab[aria-current="page"]')),
    /^All \(40\)$/,
    "Today's first clinic at West Yorkshire should have 40 appointments",
  );
  const rows = await readRows(s);
  assert.equal(rows.length, 40, 'All 40 appointments should be listed under "All"');
  for (const r of rows) {
    assert.match(r.time, /\b\d{1,2}:\d{2}\b/, `Each row should show the appointment time (row for ${r.name}: "${r.time}")`);
    assert.ok(r.name.length > 3, 'Each row should name the participant');
    assert.match(r.participantHref, /^\/participants\/[0-9a-f-]{36}$/, `${r.name}'s name should link to their record`);
    const nhs = r.nameCell.replace(r.name, '').replace(/^Name /, '').trim();
    assert.match(nhs, NHS_NUMBER, `${r.name}'s NHS number should be shown as "999 123 4567", not "${nhs}"`);
    assert.equal(nhs.replace(/ /g, ''), r.nhsDigits, `${r.name}'s NHS number should be theirs`);
    const dob = /(\d{1,2} [A-Z][a-z]+ \d{4}) \((\d+) years old\)/.exec(r.dobCell);
    assert.ok(dob, `${r.name}'s row should show date of birth and age, like "3 March 1961 (65 years old)", not "${r.dobCell}"`);
    const born = parseLongDate(dob[1]);
    assert.ok(born, `${r.name}'s date of birth should be a real date ("${dob[1]}")`);
    assert.equal(Number(dob[2]), ageToday(born), `${r.name}'s age should match their date of birth (${dob[1]})`);
  }
  assert.ok(rows.some((r) => r.canCheckIn), 'Some participants should still be waiting to be checked in');

  await selectFilter(s, 'Remaining');
  const who = await checkInFirstScheduled(s);
  await assertCheckedIn(s, who, 'on the page after checking in');

  await selectFilter(s, 'Checked in');
  await assertCheckedIn(s, who, 'under the "Checked in" tab');
  await s.reload();
  await assertCheckedIn(s, who, 'after reloading the page');
});

journey('2. checking in works with JavaScript turned off', { javaScript: false }, async (s) => {
  const { page } = s;
  await s.signInAs(CLINICAL);
  assert.doesNotMatch(
    (await page.locator('body').getAttribute('class')) ?? '',
    /js-enabled/,
    'This journey should run without JavaScript',
  );
  await assertHeader(s, { user: CLINICAL, provider: WEST_YORKSHIRE });
  await s.openTodaysFirstClinic();
  const who = await checkInFirstScheduled(s, { notNhs: checkedIn.map((c) => c.nhsDigits) });
  await assertCheckedIn(s, who, 'on the page after checking in without JavaScript');
  await selectFilter(s, 'Checked in');
  await assertCheckedIn(s, who, 'under the "Checked in" tab');
});

journey('3. participant and appointment pages show who the person is and their appointments', async (s) => {
  const { page } = s;
  await s.signInAs(CLINICAL);
  await s.openTodaysFirstClinic();
  await selectFilter(s, 'All');
  const [first] = await readRows(s);
  assert.ok(first, "Today's clinic should list appointments");
  const nhs = first.nhsDigits.replace(/^(\d{3})(\d{3})(\d{4})$/, '$1 $2 $3');

  await s.clickAndLoad(first.row.getByRole('link', { name: first.name, exact: true }), { expect: first.participantHref });
  assert.equal(await text(page.getByRole('heading', { level: 1 })), first.name, "The participant page's heading should be their name");
  const details = page.getByTestId('personal-details');
  assert.match(await text(details), new RegExp(`NHS number ${nhs}`), `The participant page should show NHS number ${nhs}`);
  assert.match(await text(details), /Date of birth \d{1,2} [A-Z][a-z]+ \d{4} \(\d+ years old\)/, 'The participant page should show date of birth and age');
  for (const h of ['Personal details', 'Upcoming appointments', 'Past appointments']) {
    assert.equal(await page.getByRole('heading', { level: 2, name: h, exact: true }).count(), 1, `The participant page should have a "${h}" section`);
  }
  const view = page.getByRole('link', { name: /^View appointment/ });
  assert.ok((await view.count()) > 0, `${first.name} has an appointment today, so their page should link to it`);

  await s.clickAndLoad(view.first(), { expect: /^\/appointments\/[0-9a-f-]{36}$/ });
  assert.equal(await text(page.getByRole('heading', { level: 1 })), first.name, "The appointment page's heading should be the participant's name");
  assert.match(await text(page.locator('main')), new RegExp(`NHS number ${nhs}`), `The appointment page should show NHS number ${nhs}`);
  for (const h of ['Appointment details', 'Participant', 'Status history']) {
    assert.equal(await page.getByRole('heading', { level: 2, name: h, exact: true }).count(), 1, `The appointment page should have a "${h}" section`);
  }
  assert.ok((await text(page.getByTestId('status-tag').first())).length > 0, 'The appointment page should show its status');
  assert.equal(
    await page.getByRole('link', { name: `View ${first.name}'s record` }).getAttribute('href'),
    first.participantHref,
    "The appointment page should link back to the participant's record",
  );
});

journey('4. someone working for two providers chooses one, and the header shows it', async (s) => {
  const { page } = s;
  await s.signInAs(MULTI_PROVIDER);
  assert.equal(s.path(), '/select-provider', `${MULTI_PROVIDER} works for two providers, so should be asked which one first`);
  assert.equal(
    await text(page.getByRole('heading', { level: 1 })),
    'Which breast screening service are you working for?',
    'The provider question should be the page heading',
  );
  const choice = page.getByRole('radio', { name: `${GREATER_MANCHESTER} (DMO2)` });
  assert.equal(await choice.count(), 1, `${GREATER_MANCHESTER} should be one of the choices`);
  assert.equal(await page.getByRole('radio', { name: `${WEST_YORKSHIRE} (DMO1)` }).count(), 1, `${WEST_YORKSHIRE} should be one of the choices`);
  await choice.check();
  await s.clickAndLoad(page.getByRole('button', { name: 'Continue' }), { expect: '/clinics' });
  await assertHeader(s, { user: MULTI_PROVIDER, provider: GREATER_MANCHESTER });
  assert.equal(await page.getByRole('link', { name: 'Change provider' }).count(), 1, 'Someone with two providers should be able to change provider');
});

journey('5. a system administrator finds today\'s check-in in the audit log', async (s) => {
  const { page } = s;
  let done = checkedIn[0];
  if (!done) {
    // Journey 1 did not run or did not get that far: check someone in here.
    await s.signInAs(CLINICAL);
    await s.openTodaysFirstClinic();
    done = await checkInFirstScheduled(s);
    await s.context.clearCookies();
  }
  await s.signInAs(SYSTEM_ADMIN);
  await assertHeader(s, { user: SYSTEM_ADMIN, provider: WEST_YORKSHIRE });
  await s.clickAndLoad(page.getByRole('link', { name: 'Audit log' }), { expect: '/admin/audit' });
  assert.equal(await text(page.getByRole('heading', { level: 1 })), 'Audit log');
  const entries = page.locator('[data-testid=audit-entries] tbody tr');
  assert.ok((await entries.count()) > 0, 'The audit log should list entries');

  await page.getByLabel('From (YYYY-MM-DD)').fill(todayIso());
  await page.getByLabel('To (YYYY-MM-DD)').fill(todayIso());
  await s.clickAndLoad(page.getByRole('button', { name: 'Filter' }), { expect: new RegExp(`from=${todayIso()}&to=${todayIso()}`) });
  assert.equal(await page.getByTestId('filter-error').count(), 0, 'Filtering by today should not show an error');
  const rows = [];
  for (let i = 0, n = await entries.count(); i < n; i++) {
    const cells = entries.nth(i).locator('td');
    rows.push({ when: await text(cells.nth(0)), who: await text(cells.nth(1)), action: await text(cells.nth(2)), record: await text(cells.nth(3)) });
  }
  assert.ok(rows.length > 0, 'Filtering by today should still show today\'s entries');
  const notToday = rows.filter((r) => !r.when.startsWith(`${todayShort()},`));
  assert.deepEqual(notToday, [], `Filtered to today, every entry should be from ${todayShort()}`);
  const checkIn = rows.find((r) => r.who === CLINICAL && r.action === 'update' && r.record === `appointment ${done.appointmentId}`);
  assert.ok(
    checkIn,
    `The audit log should show ${CLINICAL}'s check-in of ${done.name} (an update to appointment ${done.appointmentId}); entries seen:\n` +
      rows.slice(0, 15).map((r) => `  ${r.when} | ${r.who} | ${r.action} | ${r.record}`).join('\n'),
  );

  // The date filter really filters: nothing from today shows when asking for yesterday.
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  await page.getByLabel('From (YYYY-MM-DD)').fill(yesterday);
  await page.getByLabel('To (YYYY-MM-DD)').fill(yesterday);
  await s.clickAndLoad(page.getByRole('button', { name: 'Filter' }), { expect: new RegExp(`from=${yesterday}&to=${yesterday}`) });
  const records = await page.locator('[data-testid=audit-entries] tbody tr td:nth-child(4)').allInnerTexts();
  assert.ok(
    !records.some((r) => r.trim() === `appointment ${done.appointmentId}`),
    "Filtered to yesterday, the audit log should not show today's check-in",
  );
});

journey('6. signing out returns to sign-in, and the clinics page then needs sign-in again', async (s) => {
  const { page } = s;
  await s.signInAs(CLINICAL);
  await s.clickAndLoad(page.getByRole('button', { name: 'Sign out' }), { expect: '/sign-in' });
  assert.equal(await page.getByTestId('signed-in-user').count(), 0, 'After signing out the header should not show a user');
  assert.equal(await text(page.getByRole('heading', { level: 1 })), 'Sign in to Manage breast screening');
  await s.goto('/clinics');
  assert.equal(new URL(page.url()).pathname, '/sign-in', 'After signing out, the clinics page should send the user to sign in');
});

journey(
  'the pages work under their Content Security Policy (styles and scripts load, nothing is refused)',
  { bypassCSP: false },
  async (s) => {
    const { page } = s;
    const res = await s.goto('/sign-in');
    assert.match(res.headers()['content-security-policy'] ?? '', /script-src 'self'/, 'Pages should be served with a strict Content Security Policy');
    await s.signInAs(CLINICAL);
    await s.openTodaysFirstClinic();
    const refused = s.console.filter((m) => /Content.Security.Policy|Refused to/i.test(m.text));
    assert.deepEqual(refused, [], 'The browser should not refuse any script, style or image because of the policy');
    assert.match(
      (await page.locator('body').getAttribute('class')) ?? '',
      /\bjs-enabled\b/,
      "The service's own JavaScript (/static/app.js) should run under the policy",
    );
    const headerColour = await page.locator('header.nhsuk-header').evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.equal(headerColour, 'rgb(0, 94, 184)', 'The NHS design system styles should load (the header should be NHS blue)');
    const countWeight = await page.locator('.app-count').first().evaluate((el) => getComputedStyle(el).fontWeight);
    assert.equal(countWeight, '400', "The service's own styles (/static/app.css) should load");
  },
);
