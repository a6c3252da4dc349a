// Browser journey: the office books a technical recall into its episode (issue 12, item 1).
// The recall is set up through the JSON API, as another system or a script would: an
// appointment is screened and two readers ask for RMLO again. The office then finds the
// request, books it into a free slot of an upcoming screening clinic, and sees the booking
// on the participant's timeline.
//
//   cargo build -p screening && node --test tests/browser/episodes.test.mjs
//
// axe-core runs on every page.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Scratch, Server, Session, launchBrowser } from './support/harness.mjs';

const KAREN = 'Karen Booth'; // Administrative, West Yorkshire (DMO1)
const JANE = 'jane.hargreaves@example.nhs.uk';
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

/** Screens one of today's scheduled appointments and has it read as a technical recall of RMLO. */
async function technicalRecall() {
  const jane = server.apiToken(JANE);
  const ok = (r, what) => {
    assert.ok(r.status < 300, `${what}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const clinics = ok(await server.api(jane, 'GET', '/clinics?tab=today'), 'clinics');
  let appointment = null;
  for (const c of clinics.clinics) {
    const rows = ok(await server.api(jane, 'GET', `/clinics/${c.id}/appointments`), 'appointments');
    appointment = rows.find((a) => a.status === 'scheduled');
    if (appointment) break;
  }
  assert.ok(appointment, 'a scheduled appointment today');
  const id = appointment.id;
  ok(await server.api(jane, 'POST', `/appointments/${id}/check-in`, {}), 'check in');
  ok(await server.api(jane, 'POST', `/appointments/${id}/actions`, { action: 'start' }), 'start');
  const wf = ok(await server.api(jane, 'GET', `/appointments/${id}/workflow`), 'workflow');
  let v = ok(await server.api(jane, 'POST', `/appointments/${id}/identity`, { expected_version: wf.appointment.version }), 'identity').version;
  const medical = {
    reviewed: ['mammogram_history', 'medical_history', 'symptoms', 'breast_features', 'breast_density_factors', 'other_medical_information'],
    density: { hrt_started_since_last_screening: 'no', pregnant_or_breastfeeding: 'no' },
  };
  v = ok(await server.api(jane, 'PUT', `/appointments/${id}/medical-information`, { medical, expected_version: v }), 'medical').version;
  v = ok(await server.api(jane, 'PUT', `/appointments/${id}/images`, { record: { standard_set: 'yes' }, expected_version: v }), 'images').version;
  ok(await server.api(jane, 'POST', `/appointments/${id}/complete`, { expected_version: v }), 'complete');
  const cases = ok(await server.api(jane, 'GET', '/reading/cases?state=awaiting_first_read'), 'cases');
  const kase = cases.find((c) => c.appointment_id === id);
  assert.ok(kase, 'a reading case for the screen');
  for (const reader of READERS) {
    ok(
      await server.api(server.apiToken(reader), 'POST', `/reading/cases/${kase.id}/reads`, {
        opinion: { opinion: 'technical_recall', views: [{ view: 'rmlo', reason: 'breast_positioning' }] },
      }),
      'read',
    );
  }
  const participant = ok(await server.api(jane, 'GET', `/participants/${appointment.participant_id}`), 'participant');
  return { participantId: appointment.participant_id, name: `${participant.first_name} ${participant.last_name}` };
}

test('the office books a technical recall into its episode, for the views asked for', async (t) => {
  server.assertAlive('before this journey');
  const { participantId, name } = await technicalRecall();
  const s = await Session.open(browser, server, t, { scratch });
  const { page } = s;
  try {
    await s.signInAs(KAREN);
    await s.goto('/follow-ups?kind=technical_recall');
    const row = page.getByTestId('follow-ups').locator('tbody tr', { hasText: name });
    assert.equal(await row.count(), 1, `${name} should be listed under "Technical recalls"`);
    await s.clickAndLoad(row.getByRole('link', { name: /^Update/ }), { expect: new RegExp(`^/follow-ups/${UUID}$`) });
    assert.equal(await text(page.getByTestId('follow-up-views')), 'RMLO');

    await s.clickAndLoad(page.getByTestId('book-follow-up'), { expect: new RegExp(`^/follow-ups/${UUID}/book$`) });
    assert.match(await text(page.getByTestId('requested')), /Views to take: RMLO/);
    // Nothing chosen: an error, and nothing booked.
    await s.clickAndLoad(page.getByRole('button', { name: 'Book appointment' }));
    assert.match(await text(page.locator('.nhsuk-error-summary')), /Select an appointment time/);
    await page.locator('input[name="slot"]').first().check();
    await s.clickAndLoad(page.getByRole('button', { name: 'Book appointment' }), {
      expect: new RegExp(`^/appointments/${UUID}$`),
    });

    // The participant's timeline shows the recall appointment in the same episode, and the
    // request booked.
    await s.goto(`/participants/${participantId}`);
    const episode = page.getByTestId('episode').first();
    const timeline = await text(episode.getByTestId('timeline'));
    assert.match(timeline, /Appointment for technical recall: Scheduled/);
    assert.match(timeline, /Technical recalls: Booked/);
    assert.match(timeline, /Screening appointment: Screened · 4 images/);
    assert.equal(await text(episode.getByTestId('episode-stage')), 'Mammograms');
    // Her result so far: the technical recall, told plainly, sent to the GP as text.
    const result = page.getByTestId('result').first();
    assert.match(await text(result), /^Technical recall Current/);
    assert.match(await text(result.getByTestId('result-summary')), /not clear enough/);
    assert.match(await text(result), /Finding not coded: sent as text/);

    // The office's results queue lists it too.
    await s.clickAndLoad(page.getByRole('link', { name: 'Results', exact: true }), { expect: /^\/results$/ });
    assert.match(await text(page.getByTestId('results')), /Technical recall/);
    await s.finish();
  } catch (e) {
    await s.context.close().catch(() => {});
    throw e;
  }
});
