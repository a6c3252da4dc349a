// Browser journey: an assessment clinician records a benign outcome (issue 12, item 2).
// The referral is set up through the JSON API: two readers recall a screen for
// assessment, the office sets up an assessment clinic today, books the referral into it
// and checks her in. The clinician then records what was done and the outcome, confirms
// it, and sees the episode closed for routine recall.
//
//   cargo build -p screening && node --test tests/browser/assessment.test.mjs
//
// axe-core runs on every page.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Scratch, Server, Session, launchBrowser, todayIso } from './support/harness.mjs';

const JANE = 'Jane Hargreaves'; // Clinical, West Yorkshire (DMO1)
const OFFICE = 'karen.booth@example.nhs.uk';
const READERS = ['olumide.adeyemi@example.nhs.uk', 'priya.shah@example.nhs.uk'];
const UUID = '[0-9a-f-]{36}';

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

const ok = (r, what) => {
  assert.ok(r.status < 300, `${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
};

/** A referral for assessment booked into an assessment clinic today, checked in. */
async function checkedInForAssessment() {
  const opinion = {
    opinion: 'recall_for_assessment',
    right: {
      assessment: 'abnormal',
      annotations: [{ location: { kind: 'text', text: 'UOQ' }, abnormality: 'ill_defined_mass', concern: '4' }],
    },
    left: { assessment: 'normal' },
  };
  let kase = null;
  for (const [n, reader] of READERS.entries()) {
    const token = server.apiToken(reader);
    const session = ok(
      await server.api(token, 'POST', '/reading/sessions', { kind: n === 0 ? 'first_reads' : 'second_reads', size: 10 }),
      'session',
    );
    const next = ok(await server.api(token, 'POST', `/reading/sessions/${session.id}/next`), 'next case');
    kase ??= next.case_id;
    assert.equal(next.case_id, kase, 'the second reader is offered the same case');
    ok(await server.api(token, 'POST', `/reading/cases/${kase}/reads`, { session_id: session.id, opinion }), 'read');
  }
  const office = server.apiToken(OFFICE);
  const seen = ok(await server.api(office, 'GET', `/reading/cases/${kase}`), 'case');
  assert.equal(seen.case.outcome, 'recall_for_assessment');
  const referrals = ok(await server.api(office, 'GET', '/follow-ups?kind=assessment_referral'), 'referrals');
  const referral = referrals.find((f) => f.appointment_id === seen.case.appointment_id);
  assert.ok(referral, 'an assessment referral for the screen');
  const clinics = ok(await server.api(office, 'GET', '/clinics?tab=today'), 'clinics');
  const clinic = ok(
    await server.api(office, 'POST', '/clinics', {
      location_id: clinics.clinics[0].location_id,
      date: todayIso(),
      session: 'all_day',
      clinic_type: 'assessment',
      risk_type: 'routine',
      starts_at: '00:10',
      slot_minutes: 30,
      slot_count: 4,
    }),
    'assessment clinic',
  );
  const slots = ok(await server.api(office, 'GET', `/follow-ups/${referral.id}/slots`), 'slots');
  const slot = slots.slots.find((s) => s.clinic_id === clinic.id);
  assert.ok(slot, 'the new assessment clinic is offered');
  const booked = ok(
    await server.api(office, 'POST', `/follow-ups/${referral.id}/booking`, { clinic_id: clinic.id, slot_id: slot.slot_id }),
    'booking',
  );
  ok(await server.api(office, 'POST', `/appointments/${booked.appointment_id}/check-in`, {}), 'check in');
  assert.ok(referral.episode_id, 'the referral names its episode');
  return { appointmentId: booked.appointment_id, participantId: referral.participant_id, episodeId: referral.episode_id };
}

test('an assessment clinician records a benign outcome and the episode closes for routine recall', async (t) => {
  server.assertAlive('before this journey');
  const { appointmentId, participantId, episodeId } = await checkedInForAssessment();
  const s = await Session.open(browser, server, t, { scratch });
  const { page } = s;
  try {
    await s.signInAs(JANE);
    await s.goto(`/appointments/${appointmentId}`);
    await s.clickAndLoad(page.getByRole('link', { name: 'Record assessment' }), {
      expect: new RegExp(`^/appointments/${UUID}/assessment$`),
    });
    // Nothing answered: an error summary, nothing recorded.
    await s.clickAndLoad(page.getByRole('button', { name: 'Continue' }));
    assert.match(await text(page.locator('.nhsuk-error-summary')), /There is a problem/);

    await page.locator('#right_examination').check();
    await page.locator('#left_examination').check();
    await page.getByLabel('Normal / benign', { exact: true }).check();
    await s.clickAndLoad(page.getByRole('button', { name: 'Continue' }));
    assert.match(await text(page.locator('main')), /Confirm the outcome/);
    assert.match(await text(page.locator('main')), /Routine recall/);
    await s.clickAndLoad(page.getByRole('button', { name: 'Confirm and save the outcome' }));
    assert.match(
      await text(page.getByTestId('success-banner')),
      /Assessment outcome recorded: Normal \/ benign\. The episode is closed \(Routine recall\)/,
    );

    // The episode on the participant's timeline is closed, with a next test due.
    await s.goto(`/participants/${participantId}`);
    const episode = page.locator(`#episode-${episodeId}`);
    assert.equal(await text(episode.getByTestId('episode-stage')), 'Closed');
    assert.match(await text(episode.getByTestId('end-code')), /^Routine recall/);
    assert.match(await text(episode.getByTestId('timeline')), /Assessment appointment: Screened/);
    assert.match(
      await text(episode.getByTestId('timeline')),
      /Assessment: Normal \/ benign: Right breast: clinical examination; Left breast: clinical examination/,
    );
    assert.ok((await episode.getByTestId('next-test-due').count()) === 1, 'a next test due date');
    await s.finish();
  } catch (e) {
    await s.context.close().catch(() => {});
    throw e;
  }
});
