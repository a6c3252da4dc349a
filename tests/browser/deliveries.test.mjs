// Browser journey: the office sends results to participants and GPs (issue 13). A result
// is set up through the JSON API (an appointment screened and read normal twice). The
// office opens her letter from her record and previews it, makes the print batch, re-issues
// the printed letter (an empty reason is refused beside the field, and nothing changes),
// works a failed GP message off the failsafe list with a note, and makes the next batch.
//
//   cargo build -p screening && node --test tests/browser/deliveries.test.mjs
//
// axe-core runs on every page.
//
// A GP message fails only when MESH refuses it or its retries run out, which a journey
// cannot wait for: the test marks one failed in the service's SQLite database (with the
// `sqlite3` command, or Python's sqlite3 module where that is missing).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Scratch, Server, Session, launchBrowser } from './support/harness.mjs';

const KAREN = 'Karen Booth'; // Administrative, West Yorkshire (DMO1): ManageResults
const JANE = 'jane.hargreaves@example.nhs.uk';
const READERS = ['olumide.adeyemi@example.nhs.uk', 'priya.shah@example.nhs.uk'];
const UUID = '[0-9a-f-]{36}';

let server;
let browser;
let scratch;
let resultsDir;

before(async () => {
  // The service reads these from its environment (the harness passes ours on): letters and
  // GP messages go to a scratch folder, not the working tree's data/; GP messages are sent
  // within a second; and the daily print batch is not made behind the journey's back.
  resultsDir = mkdtempSync(join(tmpdir(), 'screening-results-'));
  process.env.RESULTS_DIR = resultsDir;
  process.env.RESULTS_SEND_SECONDS = '1';
  process.env.PRINT_BATCH_AT = '23:59';
  server = await Server.start();
  browser = await launchBrowser();
  scratch = await Scratch.open(browser);
});

after(async () => {
  await scratch?.close().catch(() => {});
  await browser?.close().catch(() => {});
  await server?.stop();
  if (resultsDir) rmSync(resultsDir, { recursive: true, force: true });
});

const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const ok = (r, what) => {
  assert.ok(r.status < 300, `${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
};

/** Runs one SQL statement against the service's database (waiting for its write lock). */
function sql(statement) {
  const file = new URL(server.databaseUrl.replace(/^sqlite:/, 'file:')).pathname;
  try {
    return execFileSync('sqlite3', ['-cmd', '.timeout 5000', file, statement], { encoding: 'utf8' });
  } catch (e) {
    if (e.code !== 'ENOENT') throw e;
  }
  const py =
    'import sqlite3, sys\n' +
    'c = sqlite3.connect(sys.argv[1], timeout=5)\n' +
    'rows = c.execute(sys.argv[2]).fetchall()\n' +
    'c.commit()\n' +
    'print("\\n".join("|".join(str(v) for v in r) for r in rows))\n';
  return execFileSync('python3', ['-c', py, file, statement], { encoding: 'utf8' });
}

/** Screens one of today's scheduled appointments and has it read normal twice: a result. */
async function normalResult() {
  const jane = server.apiToken(JANE);
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
    ok(await server.api(server.apiToken(reader), 'POST', `/reading/cases/${kase.id}/reads`, { opinion: { opinion: 'normal' } }), 'read');
  }
  const participant = ok(await server.api(jane, 'GET', `/participants/${appointment.participant_id}`), 'participant');
  return { participantId: appointment.participant_id, name: `${participant.first_name} ${participant.last_name}` };
}

/** Her GP message, once the service's worker has sent it (to its local outbox: no MESH here). */
async function sentGpMessage(token, participantId) {
  const deadline = Date.now() + 20_000;
  let last = null;
  while (Date.now() < deadline) {
    const list = ok(await server.api(token, 'GET', `/participants/${participantId}/deliveries`), 'deliveries');
    last = list.find((d) => d.channel === 'gp_message');
    if (last && last.state !== 'queued' && last.state !== 'retrying') return last;
    await sleep(250);
  }
  assert.fail(`Her GP message should have been sent within 20s; it is ${JSON.stringify(last)}`);
}

test('the office previews and re-issues a letter, resolves a failed GP message, and makes the print batch', async (t) => {
  server.assertAlive('before this journey');
  const { participantId, name } = await normalResult();
  const office = server.apiToken('karen.booth@example.nhs.uk');
  const s = await Session.open(browser, server, t, { scratch });
  const { page } = s;
  try {
    await s.signInAs(KAREN);

    // The office's results list has her normal result; her record shows it, with its
    // letter and GP message.
    await s.goto('/results');
    const listed = page.getByTestId('results').locator('tbody tr', { hasText: name });
    assert.equal(await listed.count(), 1, `${name}'s result should be listed on /results`);
    assert.match(await text(listed), /Normal/);
    await s.clickAndLoad(listed.getByRole('link', { name }), { expect: `/participants/${participantId}` });
    assert.match(await text(page.getByTestId('result').first()), /^Normal: routine recall Current/);
    const deliveries = page.getByTestId('deliveries');
    const letterRows = deliveries.locator('tbody tr', { hasText: 'Participant letter' });
    assert.equal(await letterRows.count(), 1, 'one letter for her result');
    assert.equal(await deliveries.locator('tbody tr', { hasText: 'GP message' }).count(), 1, 'one GP message for her result');

    // Her letter: preview it as it will be printed. Waiting for the print batch, it is not
    // offered for re-issue (it goes out anyway).
    await s.clickAndLoad(letterRows.first().getByRole('link', { name: /^Participant letter/ }), {
      expect: new RegExp(`^/results/deliveries/${UUID}$`),
    });
    const letterPath = new URL(page.url()).pathname;
    assert.match(await text(page.locator('h1')), /^Participant letter: Normal/);
    assert.equal(await text(page.getByTestId('delivery-state')), 'Queued');
    assert.equal(await page.getByTestId('reissue').count(), 0, 'a letter not yet printed is not re-issued');
    const preview = page.getByTestId('preview-letter');
    assert.equal(await text(preview), 'Preview the letter (PDF)');
    const pdf = await page.request.get(await preview.getAttribute('href'));
    assert.equal(pdf.status(), 200, 'the letter preview opens');
    assert.match(pdf.headers()['content-type'], /^application\/pdf/);
    assert.equal((await pdf.body()).subarray(0, 5).toString('latin1'), '%PDF-', 'the preview is a PDF');

    // The day's print batch, made now: her letter goes in it.
    await s.goto('/results/print-batches');
    assert.equal(await page.getByTestId('batches-empty').count(), 1, 'no print batch yet');
    await s.clickAndLoad(page.getByTestId('make-batch'), { expect: /^\/results\/print-batches\?made=/ });
    assert.match(await text(page.getByTestId('batch-made')), /Print batch made: DMO1-/);
    let batch = page.getByTestId('batches').locator('tbody tr').first();
    assert.match(await text(batch), /Karen Booth/);
    assert.ok(Number(await text(batch.locator('td').nth(1))) >= 1, 'her letter is in the batch');
    await s.goto(letterPath);
    assert.equal(await text(page.getByTestId('delivery-state')), 'In a print batch');

    // It came back: re-issue it without saying why. Refused beside the field; nothing changes.
    const historyBefore = await page.getByTestId('history').locator('tbody tr').count();
    await s.clickAndLoad(page.getByTestId('reissue'), { expect: `${letterPath}/reissue` });
    assert.match(await page.title(), /^Error: /, 'the title says there is a problem');
    assert.match(await text(page.locator('.nhsuk-error-summary')), /Enter why the letter is sent again/);
    assert.match(await text(page.locator('#reason-error')), /Enter why the letter is sent again/);
    assert.equal(await page.locator('#reason').getAttribute('aria-describedby'), 'reason-hint reason-error');
    assert.equal(await page.getByTestId('history').locator('tbody tr').count(), historyBefore);
    assert.equal(await text(page.getByTestId('delivery-state')), 'In a print batch');

    // With a reason: a new letter, in the next print batch.
    await page.locator('#reason').fill('Returned: wrong address');
    await s.clickAndLoad(page.getByTestId('reissue'), { expect: new RegExp(`^/results/deliveries/${UUID}\\?done=reissued$`) });
    assert.notEqual(new URL(page.url()).pathname, letterPath, 'the re-issued letter is a new delivery');
    assert.match(await text(page.getByTestId('notice')), /The letter will be in the next print batch\./);
    assert.equal(await text(page.getByTestId('delivery-state')), 'Queued');
    assert.match(await text(page.locator('dl')), /Re-issued: Returned: wrong address/);

    // Back on her record: one more letter.
    await s.clickAndLoad(page.getByRole('link', { name: `Back to ${name}` }), { expect: `/participants/${participantId}` });
    const letters = page.getByTestId('deliveries').locator('tbody tr', { hasText: 'Participant letter' });
    assert.equal(await letters.count(), 2, 'two letters after the re-issue');
    assert.match(await text(letters.first()), /Queued Re-issued: Returned: wrong address/);
    assert.match(await text(letters.nth(1)), /In a print batch/);

    // Her GP message fails for good (MESH refused it): the failsafe lists it.
    const gp = await sentGpMessage(office, participantId);
    sql(
      `UPDATE result_deliveries SET state = 'failed', reason = 'MESH refused the message: the practice mailbox is closed' ` +
        `WHERE id = '${gp.id}'`,
    );
    await s.goto('/results/failsafe');
    const item = page.getByTestId(`delivery-${gp.id}`);
    assert.equal(await item.count(), 1, 'the failed GP message is on the failsafe list');
    assert.match(await text(item), new RegExp(`^Failed ${name}`));
    assert.match(await text(item), /practice mailbox is closed/);
    await s.clickAndLoad(item.getByRole('link', { name: /^GP message/ }), { expect: `/results/deliveries/${gp.id}` });
    assert.equal(await text(page.getByTestId('delivery-state')), 'Failed');
    assert.equal(await page.getByTestId('reissue').count(), 0, 'a GP message is not re-issued');
    assert.equal(await page.getByTestId('retry').count(), 1, 'a failed GP message can be sent again');

    // Resolving without a note is refused; with one, it is resolved and leaves the list.
    await s.clickAndLoad(page.getByTestId('resolve'), { expect: `/results/deliveries/${gp.id}/resolve` });
    assert.match(await text(page.locator('#note-error')), /Enter what was done instead/);
    assert.equal(await text(page.getByTestId('delivery-state')), 'Failed');
    await page.locator('#note').fill('Printed and posted to the practice');
    await s.clickAndLoad(page.getByTestId('resolve'), { expect: new RegExp(`^/results/deliveries/${gp.id}\\?done=resolved$`) });
    assert.match(await text(page.getByTestId('notice')), /Marked as resolved\./);
    assert.equal(await text(page.getByTestId('delivery-state')), 'Resolved by the office');
    assert.match(await text(page.getByTestId('history')), /Printed and posted to the practice.*Karen Booth/);
    assert.equal(await page.getByTestId('resolve').count(), 0, 'nothing more to resolve');

    await s.goto('/results/failsafe');
    assert.equal(await page.getByTestId(`delivery-${gp.id}`).count(), 0, 'the resolved message has left the failsafe list');

    // The next print batch takes the re-issued letter.
    await s.clickAndLoad(page.getByRole('link', { name: 'Print batches' }), { expect: '/results/print-batches' });
    await s.clickAndLoad(page.getByTestId('make-batch'), { expect: /^\/results\/print-batches\?made=/ });
    assert.match(await text(page.getByTestId('batch-made')), /Print batch made: DMO1-/);
    assert.equal(await page.getByTestId('batches').locator('tbody tr').count(), 2, 'two batches');
    batch = page.getByTestId('batches').locator('tbody tr').first();
    assert.equal(await text(batch.locator('td').nth(1)), '1', 'the re-issued letter alone');

    // Nothing left to print.
    await s.clickAndLoad(page.getByTestId('make-batch'), { expect: '/results/print-batches' });
    assert.match(await text(page.getByTestId('batch-made')), /There were no letters to print\./);

    await s.goto(`/participants/${participantId}`);
    assert.equal(
      await page.getByTestId('deliveries').locator('tbody tr', { hasText: 'In a print batch' }).count(),
      2,
      'both letters are in print batches',
    );
    await s.finish();
  } catch (e) {
    await s.context.close().catch(() => {});
    throw e;
  }
});
