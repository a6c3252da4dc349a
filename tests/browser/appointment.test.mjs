// Browser journeys through the screening appointment a mammographer runs, and closing a
// clinic, with demo data in Debian's Chromium.
//
//   cargo build -p screening && npm run test:browser
//
// The file starts its own service (fresh SQLite demo database, free port) and runs axe-core
// on every page each journey visits, failing on serious or critical violations. Each
// journey uses its own participant (checked in by the journey itself), so the journeys do
// not depend on each other or on their order.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Scratch, Server, Session, launchBrowser } from './support/harness.mjs';

const JANE = 'Jane Hargreaves'; // Clinical, West Yorkshire (DMO1)
const CHLOE = 'Chloe Bennett'; // Clinical, West Yorkshire (DMO1)
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

/** Browser sessions a journey opened, so a failure closes them all. */
function journey(name, options, fn) {
  if (typeof options === 'function') [options, fn] = [{}, options];
  test(name, async (t) => {
    server.assertAlive('before this journey');
    const sessions = [];
    const open = async (more = {}) => {
      const s = await Session.open(browser, server, t, { ...options, ...more, scratch });
      sessions.push(s);
      return s;
    };
    try {
      await fn(await open(), { open, t });
      for (const s of sessions) await s.finish();
    } catch (e) {
      for (const s of sessions) await s.context.close().catch(() => {});
      if (server.exit && !server.stopping) {
        e.message += `\n--- the service stopped (${JSON.stringify(server.exit)}); its output ---\n${server.output()}`;
      }
      throw e;
    }
  });
}

// --- Reading pages -----------------------------------------------------------------------

const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const UUID = '[0-9a-f-]{36}';

/** What the page says in its error summary, if it has one (for failure messages). */
async function problems(s) {
  const summary = s.page.locator('.nhsuk-error-summary');
  return (await summary.count()) ? ` It says: "${await text(summary.first())}"` : '';
}

async function heading(s, level) {
  const h = s.page.getByRole('heading', { level });
  return (await h.count()) ? text(h.first()) : '(no heading)';
}

/** Asserts the step heading (h2) a workflow page shows. */
async function assertStep(s, who, stepHeading) {
  assert.equal(await heading(s, 1), who.name, `Every workflow page should be headed with the participant's name, ${who.name}`);
  assert.equal(await heading(s, 2), stepHeading, `The workflow should show the "${stepHeading}" step (at ${s.path()})`);
}

/** The text of the side navigation item for a step ("Confirm identity Done"). */
async function stepNav(s, label) {
  const item = s.page.locator('nav[aria-label="Appointment steps"] li', { hasText: label });
  assert.equal(await item.count(), 1, `The appointment steps should list "${label}"`);
  return text(item);
}

async function selectFilter(s, label) {
  const current = s.page.locator('.nhsuk-tabs__tab[aria-current="page"]');
  if ((await current.count()) && new RegExp(`^${label} \\(`).test(await text(current))) return;
  await s.clickAndLoad(s.page.locator('.nhsuk-tabs__tab', { hasText: new RegExp(`^${label} \\(`) }), {
    expect: new RegExp(`[?&]filter=${label.toLowerCase().replace(/ /g, '_')}\\b`),
  });
}

function rowFor(s, who) {
  return s.page.locator(`[data-testid=appointment-row][data-nhs-number="${who.nhsDigits}"]`);
}

/** The status a participant's row shows on the clinic page, under `filter`. */
async function clinicStatus(s, who, filter) {
  if (filter) await selectFilter(s, filter);
  const row = rowFor(s, who);
  assert.equal(await row.count(), 1, `${who.name} should be listed on the clinic page under "${filter}"`);
  return text(row.getByTestId('status-tag'));
}

async function assertBanner(s, message) {
  const banner = s.page.getByTestId('success-banner');
  assert.equal(await banner.count(), 1, `A success banner should say "${message}" (on ${s.path()})`);
  assert.match(await text(banner), new RegExp(escape(message)), `The success banner should say "${message}"`);
}

// --- Journey steps -------------------------------------------------------------------------

/** Participants (NHS numbers) this file's journeys have taken, so each uses its own. */
const taken = new Set();

/**
 * On a clinic page: checks in the first scheduled participant no other journey has taken
 * (and without a special appointment, whose extra needs are another test's business).
 */
async function checkInSomeone(s) {
  await selectFilter(s, 'Remaining');
  const rows = s.page.getByTestId('appointment-row');
  for (let i = 0, n = await rows.count(); i < n; i++) {
    const row = rows.nth(i);
    const nhsDigits = await row.getAttribute('data-nhs-number');
    const checkIn = row.getByRole('button', { name: /^Check in/ });
    if (taken.has(nhsDigits) || !(await checkIn.count()) || (await row.getByTestId('special-tag').count())) continue;
    taken.add(nhsDigits);
    const name = await text(row.locator('td').nth(1).getByRole('link'));
    const action = await row.locator('form').getAttribute('action');
    const appointmentId = new RegExp(`^/appointments/(${UUID})/check-in$`).exec(action)?.[1];
    assert.ok(appointmentId, `The "Check in" form should post to /appointments/{id}/check-in, not ${action}`);
    const clinicPath = new URL(s.page.url()).pathname;
    await s.clickAndLoad(checkIn, { expect: new RegExp(`^${clinicPath}\\?.*done=check_in`) });
    await assertBanner(s, `${name} has been checked in`);
    return { name, nhsDigits, appointmentId, clinicPath };
  }
  assert.fail("Today's clinic should still have a scheduled participant to check in");
}

/** Signs in as a mammographer, opens today's all-day clinic and checks someone in. */
async function mammographerChecksIn(s, user = JANE) {
  await s.signInAs(user);
  await s.openTodaysFirstClinic();
  return checkInSomeone(s);
}

/**
 * From the clinic page: "Start appointment" on the participant's row, then on the
 * appointment page; lands on "Confirm identity".
 */
async function startAppointment(s, who, user = JANE) {
  const row = rowFor(s, who);
  await s.clickAndLoad(row.getByRole('link', { name: `Start appointment for ${who.name}` }), {
    expect: `/appointments/${who.appointmentId}`,
  });
  assert.equal(await text(s.page.getByTestId('status-tag')), 'Checked in', `${who.name}'s appointment should show "Checked in" before it starts`);
  await s.clickAndLoad(s.page.getByRole('button', { name: 'Start appointment', exact: true }), {
    expect: `/appointments/${who.appointmentId}/identity`,
  });
  await assertStep(s, who, 'Confirm identity');
  assert.equal(await text(s.page.getByTestId('status-tag')), 'In progress', 'A started appointment should show "In progress"');
  assert.match(await text(s.page.locator('.app-workflow-header')), new RegExp(`Running: ${user}`), `The workflow should say ${user} is running it`);
  for (const locked of ['Review medical information', 'Take mammogram images', 'Check information']) {
    assert.match(await stepNav(s, locked), /not available yet/, `"${locked}" should not be available before identity is confirmed`);
  }
}

async function confirmIdentity(s, who) {
  assert.match(await text(s.page.getByTestId('identity-details')), new RegExp(`Full name ${escape(who.name)}`), 'The identity step should show the full name to check');
  await s.clickAndLoad(s.page.getByRole('button', { name: 'Confirm identity and continue' }), {
    expect: `/appointments/${who.appointmentId}/medical-information`,
  });
  await assertStep(s, who, 'Review medical information');
  assert.match(await stepNav(s, 'Confirm identity'), /Done/, '"Confirm identity" should be marked done once confirmed');
}

async function completeMedical(s, who) {
  await s.clickAndLoad(s.page.getByRole('button', { name: 'Complete all and continue' }));
  assert.equal(
    new URL(s.page.url()).pathname,
    `/appointments/${who.appointmentId}/images`,
    `"Complete all and continue" should go on to "Take mammogram images", but the page shows ${s.path()}.${await problems(s)}`,
  );
  await assertStep(s, who, 'Take mammogram images');
  assert.match(await stepNav(s, 'Review medical information'), /Done/, '"Review medical information" should be marked done');
  const location = await text(s.page.getByTestId('mammogram-location'));
  assert.match(location, /^Mammogram location: Room [AB] \(.+\) Change/, `The images step should show the room the mammograms are taken in, not "${location}"`);
}

/** Checks in, starts, confirms identity and completes the medical information. */
async function upToImages(s, user = JANE) {
  const who = await mammographerChecksIn(s, user);
  await startAppointment(s, who, user);
  await confirmIdentity(s, who);
  await completeMedical(s, who);
  return who;
}

async function answerStandardSet(s, who, label, next) {
  await s.page.getByRole('radio', { name: label, exact: true }).check();
  await s.clickAndLoad(s.page.getByRole('button', { name: 'Continue', exact: true }));
  assert.equal(
    new URL(s.page.url()).pathname,
    `/appointments/${who.appointmentId}/${next}`,
    `Answering "${label}" should go on to /${next}, but the page shows ${s.path()}.${await problems(s)}`,
  );
}

function countInput(s, description) {
  return s.page.getByRole('textbox', { name: description, exact: true });
}

async function continueTo(s, who, next, why) {
  await s.clickAndLoad(s.page.getByRole('button', { name: 'Continue', exact: true }));
  assert.equal(
    new URL(s.page.url()).pathname,
    `/appointments/${who.appointmentId}/${next}`,
    `${why} should go on to /${next}, but the page shows ${s.path()}.${await problems(s)}`,
  );
}

/** The "Check information" images card: heading, tag and rows by key. */
async function imagesCard(s) {
  const card = s.page.getByTestId('images-card');
  assert.equal(await card.count(), 1, 'The "Check information" page should show what images were taken');
  const rows = {};
  const keys = card.locator('.nhsuk-summary-list__key');
  for (let i = 0, n = await keys.count(); i < n; i++) {
    rows[await text(keys.nth(i))] = (await card.locator('.nhsuk-summary-list__value').nth(i).innerText()).trim();
  }
  const tag = card.locator('.nhsuk-card__heading .nhsuk-tag');
  return {
    heading: await text(card.locator('.nhsuk-card__heading')),
    tag: (await tag.count()) ? await text(tag) : null,
    rows,
  };
}

/** "Complete screening and return to clinic"; returns on the clinic page. */
async function completeScreening(s, who, done) {
  await s.clickAndLoad(s.page.getByRole('button', { name: 'Complete screening and return to clinic' }));
  assert.match(
    s.path(),
    new RegExp(`^${who.clinicPath}\\?.*done=${done}\\b`),
    `Completing the screening should return to the clinic, but the page shows ${s.path()} ("${await s.page.title()}")`,
  );
  const outcome = done === 'partially_screen' ? 'partially screened' : 'screened';
  await assertBanner(s, `${who.name} has been ${outcome}.`);
}

/** The "Not all mammograms taken" answers on the additional details page. */
async function notAllTaken(s, { recall }) {
  const { page } = s;
  await page.getByRole('checkbox', { name: 'Not all mammograms taken' }).check();
  const reasons = page.getByRole('group', { name: 'Why could you not take all the images?' });
  assert.ok(await reasons.isVisible(), 'Ticking "Not all mammograms taken" should ask why');
  await reasons.getByRole('checkbox', { name: 'Positioning difficulties due to wheelchair' }).check();
  await page.getByRole('textbox', { name: 'Provide details' }).fill('Could not position for the left MLO');
  const question = page.getByRole('group', { name: 'Should the participant be recalled to take more images?' });
  assert.ok(await question.isVisible(), 'The details page should ask whether to recall the participant');
  if (recall) {
    await question.getByRole('radio', { name: "Yes, record as 'to be recalled'" }).check();
    await page.getByRole('textbox', { name: 'When should the participant be recalled?' }).fill(recall);
  } else {
    await question.getByRole('radio', { name: "No, record as 'partial mammography'" }).check();
  }
}

/** Counts with LMLO 0 (using the stepper's minus button), then the additional details. */
async function leftMloNotTaken(s, who) {
  await answerStandardSet(s, who, 'No, add other information', 'images/counts');
  await s.page.getByRole('button', { name: 'Remove one LMLO image' }).click();
  assert.equal(await countInput(s, 'Left mediolateral oblique (MLO)').inputValue(), '0', 'The minus button should take LMLO down to 0');
  assert.equal(await text(s.page.locator('[data-stepper-total]')), 'Images taken: 3', 'The live total should count 3 images');
  await continueTo(s, who, 'images/details', 'Counts with no view above 1');
  assert.match(await text(s.page.getByTestId('images-taken')), /^3 images taken: 1x RCC, 1x RMLO, 1x LCC\b/, 'The details page should say which images were taken');
}

// --- Journeys ------------------------------------------------------------------------------

journey('1. a standard set of images: the participant is screened', async (s) => {
  const who = await upToImages(s);
  await answerStandardSet(s, who, 'Yes, 2 CC and 2 MLO', 'images/details');
  assert.match(await text(s.page.getByTestId('images-taken')), /^4 images taken: 1x RCC, 1x RMLO, 1x LCC, 1x LMLO\b/, 'The details page should list the standard set');
  assert.equal(await s.page.getByRole('checkbox', { name: 'Not all mammograms taken' }).count(), 0, 'After a standard set, "Not all mammograms taken" should not be offered');
  await continueTo(s, who, 'check', 'Continuing from the details of a standard set');
  await assertStep(s, who, 'Check information');
  const card = await imagesCard(s);
  assert.equal(card.heading, '4 images taken', 'The images card should be headed "4 images taken"');
  assert.equal(card.tag, null, 'A complete set should not be tagged partial or recall');
  assert.equal(card.rows['Image recording method'], 'Manual');
  assert.match(card.rows['Machine room'] ?? '', /^Room [AB] \(.+\)$/, 'The card should show the machine room');
  assert.equal(card.rows['Views taken'], '1x RCC\n1x RMLO\n1x LCC\n1x LMLO', 'The card should list the four views taken');
  await completeScreening(s, who, 'screen');
  assert.equal(await clinicStatus(s, who, 'Complete'), 'Screened', `${who.name} should show as "Screened" on the clinic page`);
});

journey('2. an extra RMLO image recorded as a repeat, with the reason', async (s) => {
  const { page } = s;
  const who = await upToImages(s);
  await answerStandardSet(s, who, 'No, add other information', 'images/counts');
  assert.equal(await heading(s, 3), 'How many images were taken?', 'The counts page should ask how many images were taken');
  const total = page.locator('[data-stepper-total]');
  assert.ok(await total.isVisible(), 'With JavaScript, the counts page should show a live total');
  assert.equal(await text(total), 'Images taken: 4', 'The live total should start at the standard 4 images');
  const rmlo = countInput(s, 'Right mediolateral oblique (MLO)');
  assert.equal(await rmlo.inputValue(), '1', 'RMLO should start at 1');
  await page.getByRole('button', { name: 'Add one RMLO image' }).click();
  assert.equal(await rmlo.inputValue(), '2', 'The plus button should take RMLO to 2');
  assert.equal(await text(total), 'Images taken: 5', 'The live total should update to 5 images');
  assert.equal(await total.getAttribute('aria-live'), 'polite', 'The total should be announced to screen readers');

  await continueTo(s, who, 'images/repeats', 'Two RMLO images');
  const question = page.getByRole('group', { name: '2 RMLO images were taken. Was the additional image a repeat?' });
  assert.equal(await question.count(), 1, 'The repeats page should ask whether the additional RMLO image was a repeat');
  await question.getByRole('radio', { name: 'Yes, it was a repeat', exact: true }).check();
  await page.getByRole('checkbox', { name: 'Participant movement' }).check();
  await continueTo(s, who, 'images/details', 'Answering the repeat question');
  assert.match(await text(page.getByTestId('images-taken')), /^5 images taken: 1x RCC, 2x RMLO: 1 repeat, 1x LCC, 1x LMLO\b/, 'The details page should show the repeat');
  await continueTo(s, who, 'check', 'Continuing from the details');

  const card = await imagesCard(s);
  assert.equal(card.heading, '5 images taken', 'The images card should count all 5 images');
  assert.match(card.rows['Views taken'] ?? '', /^2x RMLO: 1 repeat \(Participant movement\)$/m, `The views should show "2x RMLO: 1 repeat" and why, not:\n${card.rows['Views taken']}`);
  assert.equal(card.rows['Additional images'], '1 repeat', 'The card should count the additional image as a repeat');
  await completeScreening(s, who, 'screen');
  assert.equal(await clinicStatus(s, who, 'Complete'), 'Screened', `${who.name} should show as "Screened"`);
});

journey('3. not all images taken and a recall requested: partially screened, on the follow-up list', async (s) => {
  const { page } = s;
  const who = await upToImages(s);
  await leftMloNotTaken(s, who);
  await notAllTaken(s, { recall: 'In 6 weeks' });
  await continueTo(s, who, 'check', 'Recording why not all images were taken, with a recall');
  const card = await imagesCard(s);
  assert.equal(card.heading, '3 images taken Recall requested', 'The images card should be tagged "Recall requested"');
  assert.equal(card.tag, 'Recall requested');
  assert.match(card.rows['Not all mammograms taken'] ?? '', /Positioning difficulties due to wheelchair/, 'The card should say why not all images were taken');
  assert.match(card.rows['Not all mammograms taken'] ?? '', /Recall: In 6 weeks/, 'The card should show when to recall');
  await completeScreening(s, who, 'partially_screen');
  assert.equal(await clinicStatus(s, who, 'Complete'), 'Partially screened', `${who.name} should show as "Partially screened"`);

  await s.clickAndLoad(page.getByRole('link', { name: 'Follow-up requests' }), { expect: '/follow-ups' });
  assert.equal(await heading(s, 1), 'Follow-up requests');
  assert.match(await text(page.locator('.nhsuk-tabs__tab[aria-current="page"]')), /^Recall for more images \(\d+\)$/, 'The follow-up list should open on "Recall for more images"');
  const row = page.getByTestId('follow-ups').locator('tbody tr', { hasText: who.name });
  assert.equal(await row.count(), 1, `${who.name} should be listed under "Recall for more images"`);
  const cells = await row.locator('td').allInnerTexts();
  assert.equal(cells[2].trim(), 'In 6 weeks', 'The request should say when to recall');
  assert.equal(cells[4].trim(), JANE, 'The request should say who asked for it');
});

journey('4. not all images taken, no recall: partial mammography, partially screened', async (s) => {
  const who = await upToImages(s);
  await leftMloNotTaken(s, who);
  await notAllTaken(s, { recall: null });
  await continueTo(s, who, 'check', 'Recording why not all images were taken, without a recall');
  const card = await imagesCard(s);
  assert.equal(card.tag, 'Partial mammography', 'The images card should be tagged "Partial mammography"');
  assert.match(card.rows['Not all mammograms taken'] ?? '', /No recall requested/, 'The card should say no recall was requested');
  await completeScreening(s, who, 'partially_screen');
  assert.equal(await clinicStatus(s, who, 'Complete'), 'Partially screened', `${who.name} should show as "Partially screened"`);
});

journey('5. no images taken: the appointment cannot proceed, attended not screened', async (s) => {
  const { page } = s;
  const who = await upToImages(s);
  await answerStandardSet(s, who, 'No images taken', 'cannot-proceed');
  assert.equal(await heading(s, 2), 'Appointment cannot proceed', 'Answering "No images taken" should say the appointment cannot proceed');
  await page.getByRole('checkbox', { name: 'Pain during screening' }).check();
  await page.getByRole('radio', { name: 'Yes, within the next 6 weeks' }).check();
  await s.clickAndLoad(page.getByRole('button', { name: 'Save and end appointment' }));
  assert.match(
    s.path(),
    new RegExp(`^${who.clinicPath}\\?.*done=attended_not_screened\\b`),
    `Ending the appointment should return to the clinic, but the page shows ${s.path()}.${await problems(s)}`,
  );
  await assertBanner(s, `${who.name}'s appointment has been stopped: attended not screened`);
  assert.equal(await clinicStatus(s, who), 'Attended not screened', `${who.name} should show as "Attended not screened"`);
});

journey('6. pausing and resuming: back in the workflow after the identity step', async (s) => {
  const { page } = s;
  const who = await mammographerChecksIn(s);
  await startAppointment(s, who);
  await confirmIdentity(s, who);
  await s.clickAndLoad(page.getByRole('link', { name: 'Exit appointment' }), { expect: `/appointments/${who.appointmentId}/exit` });
  const question = page.getByRole('group', { name: 'Will this appointment be resumed today?' });
  assert.equal(await question.count(), 1, 'Exiting should ask whether the appointment will be resumed today');
  await question.getByRole('radio', { name: 'Yes, pause and save changes' }).check();
  await s.clickAndLoad(page.getByRole('button', { name: 'Continue', exact: true }), { expect: new RegExp(`^${who.clinicPath}\\?.*done=pause`) });
  await assertBanner(s, `${who.name}'s appointment has been paused`);
  assert.equal(await clinicStatus(s, who), 'Paused', `${who.name} should show as "Paused"`);

  await s.clickAndLoad(rowFor(s, who).getByRole('link', { name: `Resume appointment for ${who.name}` }), {
    expect: `/appointments/${who.appointmentId}`,
  });
  assert.equal(await text(page.getByTestId('status-tag')), 'Paused');
  await s.clickAndLoad(page.getByRole('button', { name: 'Resume appointment', exact: true }), {
    expect: `/appointments/${who.appointmentId}/medical-information`,
  });
  await assertStep(s, who, 'Review medical information');
  assert.equal(await text(page.getByTestId('status-tag')), 'In progress', 'A resumed appointment should be "In progress" again');
  assert.match(await stepNav(s, 'Confirm identity'), /Done/, 'The identity step should still be marked done after resuming');
});

journey('7. while one mammographer runs an appointment, another cannot change it', async (jane, { open }) => {
  const who = await mammographerChecksIn(jane);
  await startAppointment(jane, who);
  const version = await jane.page.locator('form[action$="/identity"] input[name=version]').inputValue();

  const chloe = await open();
  const { page } = chloe;
  await chloe.signInAs(CHLOE);
  await chloe.goto(`/appointments/${who.appointmentId}`);
  assert.equal(await heading(chloe, 1), who.name);
  assert.equal(await text(page.getByTestId('status-tag')), 'In progress', `${CHLOE} should see the appointment is in progress`);
  assert.match(await text(page.locator('main')), new RegExp(`In progress by ${JANE}`), `${CHLOE} should see that ${JANE} is running it`);
  assert.equal(await page.getByRole('button', { name: /appointment/i }).count(), 0, `${CHLOE} should be offered no button to start or resume it`);
  assert.equal(await page.locator(`a[href^="/appointments/${who.appointmentId}/"]`).count(), 0, `${CHLOE} should be offered no way into the workflow`);

  await chloe.goto(`/appointments/${who.appointmentId}/identity`);
  assert.equal(chloe.path(), `/appointments/${who.appointmentId}`, `Opening the workflow directly, ${CHLOE} should be sent to the appointment page`);

  const refused = await page.evaluate(
    async ({ id, version }) => {
      const csrf = document.querySelector('input[name=csrf_token]').value;
      const res = await fetch(`/appointments/${id}/identity`, {
        method: 'POST',
        body: new URLSearchParams({ csrf_token: csrf, version }),
        redirect: 'manual',
      });
      return { status: res.status, body: await res.text() };
    },
    { id: who.appointmentId, version },
  );
  assert.equal(refused.status, 409, `${CHLOE} confirming identity should be refused as a conflict (409), not ${refused.status}`);
  assert.match(refused.body, new RegExp(`${JANE} is running this appointment`), `The refusal should say ${JANE} is running the appointment`);

  // Nothing changed: Jane carries on from the form she has.
  await confirmIdentity(jane, who);
});

journey('8. closing a clinic: outcomes for everyone, then "Confirm and close clinic"', async (karen, { open }) => {
  const { page } = karen;
  await karen.signInAs(KAREN);
  // The smallest of today's clinics: the mobile van.
  const clinics = page.locator('[data-testid=clinic-list] tbody tr');
  let smallest = null;
  for (let i = 0, n = await clinics.count(); i < n; i++) {
    const count = Number((await text(clinics.nth(i).locator('td').nth(3))).replace(/\D/g, ''));
    if (!smallest || count < smallest.count) smallest = { count, row: clinics.nth(i) };
  }
  assert.ok(smallest, 'There should be clinics today');
  await karen.clickAndLoad(smallest.row.getByRole('link'), { expect: new RegExp(`^/clinics/${UUID}$`) });
  const clinicPath = new URL(page.url()).pathname;
  assert.match(await text(page.locator('.nhsuk-caption-l')), /Mobile screening/, "The smallest clinic today should be the mobile van's");

  await karen.clickAndLoad(page.getByRole('link', { name: 'Close clinic' }), { expect: `${clinicPath}/close` });
  const blocked = page.getByTestId('close-blocked');
  assert.equal(await blocked.count(), 1, 'Closing a clinic with participants still waiting should be blocked');
  assert.match(await text(blocked), /Record an appointment outcome for every participant to close this clinic\./);
  assert.match(await text(blocked), /In progress: 1 without an outcome/, 'The van clinic has one appointment in progress');

  // Trying anyway keeps the clinic open and says why.
  await karen.clickAndLoad(page.getByRole('button', { name: 'Confirm and close clinic' }));
  assert.match(
    await text(page.locator('main')),
    /Record an appointment outcome for every participant to close this clinic\./,
    `Closing a blocked clinic should say why it cannot close, not "${await heading(karen, 1)}"`,
  );
  await karen.goto(`${clinicPath}/close`);

  await karen.clickAndLoad(page.getByRole('button', { name: 'Mark all as did not attend' }));
  if (new URL(page.url()).pathname !== `${clinicPath}/close`) {
    // Did not attend is recorded only once the clinic has started (issue 9): before the van
    // clinic's start time the office is told so, and the clinic cannot close yet.
    assert.match(
      await text(page.getByTestId('refusal')),
      /This clinic has not started yet \(it starts at \d\d:\d\d/,
      'Before the clinic starts, "Mark all as did not attend" should be refused with the start time',
    );
    return;
  }
  assert.equal(await page.getByRole('heading', { name: 'Did not check in' }).count(), 0, 'Everyone who did not check in should now have an outcome');
  const checkedIn = page.getByRole('button', { name: 'Mark all as attended not screened' });
  if (await checkedIn.count()) {
    await karen.clickAndLoad(checkedIn, { expect: `${clinicPath}/close` });
    const why = page.getByRole('link', { name: /^Record why .+ was not screened$/ });
    assert.ok((await why.count()) > 0, 'After marking attended not screened, the page should ask why for each');
    while (await why.count()) {
      await karen.clickAndLoad(why.first(), { expect: new RegExp(`^/appointments/${UUID}/attended-not-screened$`) });
      assert.equal(await heading(karen, 1), 'Why was this participant not screened?');
      await page.getByRole('checkbox', { name: 'No qualified mammographer available' }).check();
      await page.getByRole('radio', { name: 'No, invite to next routine appointment' }).check();
      await karen.clickAndLoad(page.getByRole('button', { name: 'Save', exact: true }), { expect: `${clinicPath}/close` });
    }
  }

  // The appointment in progress is ended by the mammographer running it.
  const inProgress = page.locator('h2#group-in_progress + table tbody tr');
  const runningName = await text(inProgress.first().locator('td').nth(1)).then((t) => t.replace(/ \d{3} \d{3} \d{4}$/, ''));
  const chloe = await open();
  await chloe.signInAs(CHLOE);
  await chloe.goto(clinicPath);
  await selectFilter(chloe, 'In progress');
  await chloe.clickAndLoad(chloe.page.getByRole('link', { name: `Resume appointment for ${runningName}` }), {
    expect: new RegExp(`^/appointments/${UUID}$`),
  });
  assert.match(await text(chloe.page.locator('main')), new RegExp(`In progress by ${CHLOE}`), `The appointment should say ${CHLOE} is running it`);
  const resume = chloe.page.getByRole('link', { name: 'Resume appointment', exact: true });
  assert.equal(await resume.count(), 1, `${CHLOE} is running this appointment, so its page should offer "Resume appointment" to get back into it`);
  await chloe.clickAndLoad(resume, {
    expect: new RegExp(`^/appointments/${UUID}/identity$`),
  });
  await chloe.clickAndLoad(chloe.page.getByRole('link', { name: 'Exit appointment' }), { expect: /\/exit$/ });
  await chloe.page.getByRole('radio', { name: 'No, appointment cannot proceed' }).check();
  await chloe.clickAndLoad(chloe.page.getByRole('button', { name: 'Continue', exact: true }), { expect: /\/cannot-proceed$/ });
  await chloe.page.getByRole('checkbox', { name: 'Technical issues at clinic' }).check();
  await chloe.page.getByRole('radio', { name: 'Yes, within the next 6 weeks' }).check();
  await chloe.clickAndLoad(chloe.page.getByRole('button', { name: 'Save and end appointment' }), {
    expect: new RegExp(`^${clinicPath}\\?.*done=attended_not_screened`),
  });

  await karen.reload();
  assert.equal(await page.getByTestId('close-blocked').count(), 0, `Once every participant has an outcome, closing should not be blocked.${await problems(karen)}`);
  await karen.clickAndLoad(page.getByRole('button', { name: 'Confirm and close clinic' }), { expect: new RegExp(`^${clinicPath}\\?.*done=closed`) });
  await assertBanner(karen, 'The clinic has been closed');
  assert.equal(await text(page.locator('main .nhsuk-body-l .nhsuk-tag')), 'Closed', 'The clinic should show as "Closed"');
  assert.equal(await page.getByRole('link', { name: 'Close clinic' }).count(), 0, 'A closed clinic should not offer "Close clinic"');
});

journey('9. the image counts work without JavaScript', { javaScript: false }, async (s) => {
  const { page } = s;
  const who = await upToImages(s);
  assert.doesNotMatch((await page.locator('body').getAttribute('class')) ?? '', /js-enabled/, 'This journey should run without JavaScript');
  await answerStandardSet(s, who, 'No, add other information', 'images/counts');
  assert.equal(await page.getByRole('button', { name: /^(Add|Remove) one/ }).count(), 0, 'Without JavaScript there should be no plus or minus buttons');
  assert.ok(await page.locator('[data-stepper-total]').isHidden(), 'Without JavaScript the live total should stay hidden');
  const rmlo = countInput(s, 'Right mediolateral oblique (MLO)');
  assert.equal(await rmlo.getAttribute('inputmode'), 'numeric', 'The counts should be plain number inputs');
  assert.equal(await rmlo.inputValue(), '1', 'RMLO should start at 1');
  await rmlo.fill('2');
  await continueTo(s, who, 'images/repeats', 'Typing 2 RMLO images without JavaScript');
  assert.equal(await heading(s, 2), 'Repeat and extra images');
  assert.equal(
    await page.getByRole('group', { name: '2 RMLO images were taken. Was the additional image a repeat?' }).count(),
    1,
    'The repeats page should ask about the additional RMLO image',
  );
});
