// Browser journeys through image reading with demo data in Debian's Chromium: double
// reading, blinding, arbitration, technical recall, recall for assessment with an
// annotation, and who may read what.
//
//   cargo build -p screening && npm run test:browser
//
// Each journey takes the oldest case waiting for a 1st read and sees it through to its
// result, so no journey leaves a case half read for the next. axe-core runs on every page.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Scratch, Server, Session, launchBrowser } from './support/harness.mjs';

const READER_A = 'Dr Olumide Adeyemi'; // Reader, West Yorkshire (DMO1)
const READER_B = 'Dr Priya Shah'; // Reader, DMO1
const READER_C = 'Daniel Osei'; // Reader, DMO1
const JANE = 'Jane Hargreaves'; // Clinical only, DMO1
const KAREN = 'Karen Booth'; // Administrative, DMO1

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

function journey(name, fn) {
  test(name, async (t) => {
    server.assertAlive('before this journey');
    const sessions = [];
    const open = async () => {
      const s = await Session.open(browser, server, t, { scratch });
      sessions.push(s);
      return s;
    };
    try {
      await fn({ open, t });
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

const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();
const CASE = /^\/reading\/sessions\/[0-9a-f-]{36}\/cases\/[0-9a-f-]{36}$/;

async function signedIn(open, name) {
  const s = await open();
  await s.signInAs(name);
  return s;
}

/** Starts a session of `kind` ("1st reads session", ...) and returns the case it opens. */
async function startSession(s, kind) {
  await s.goto('/reading');
  await s.page.getByLabel(kind, { exact: true }).check();
  await s.page.getByLabel('10 cases', { exact: true }).check();
  await s.clickAndLoad(s.page.getByRole('button', { name: 'Start reading' }), { expect: CASE });
  return { name: await text(s.page.locator('#case-participant')), path: s.path() };
}

async function choose(s, opinion) {
  await s.page.getByLabel(opinion, { exact: true }).check();
  await s.clickAndLoad(s.page.getByRole('button', { name: 'Continue' }));
}

async function confirm(s, expectRows = {}) {
  assert.equal(await s.page.getByRole('heading', { level: 2, name: 'Confirm your opinion' }).count(), 1, `The reader should be asked to confirm (at ${s.path()})`);
  const summary = await text(s.page.getByTestId('opinion-summary'));
  for (const [key, value] of Object.entries(expectRows)) {
    assert.ok(summary.includes(`${key} ${value}`), `The confirmation should show "${key}: ${value}", but shows "${summary}"`);
  }
  await s.clickAndLoad(s.page.getByRole('button', { name: 'Confirm your opinion' }));
}

/** Reads the open case as Normal, choosing it with the keyboard shortcut. */
async function readNormal(s) {
  await s.page.keyboard.press('1');
  assert.ok(await s.page.getByLabel('Normal', { exact: true }).isChecked(), 'Pressing 1 should choose "Normal"');
  await s.clickAndLoad(s.page.getByRole('button', { name: 'Continue' }));
  await confirm(s, { Opinion: 'Normal' });
}

async function participantEpisode(s, name) {
  await s.goto(`/participants?q=${encodeURIComponent(name)}`);
  await s.clickAndLoad(s.page.getByRole('link', { name, exact: true }).first());
  // The episode the reading concluded, with its history kept.
  const episode = s.page.getByTestId('episode').filter({ hasText: 'Image reading result' });
  assert.equal(await episode.count(), 1, `${name}'s page should show the episode the reading concluded, with its history`);
  return {
    outcome: await text(episode.getByTestId('episode-outcome')),
    stage: await text(episode.getByTestId('episode-stage')),
    due: (await episode.getByTestId('next-test-due').count()) ? await text(episode.getByTestId('next-test-due')) : null,
  };
}

journey('two readers read a case normal and normal: the 2nd reader cannot see the 1st opinion until giving theirs, and the result is routine recall', async ({ open }) => {
  const a = await signedIn(open, READER_A);
  const first = await startSession(a, '1st reads session');
  assert.match(await text(a.page.getByRole('heading', { level: 2, name: /What is your opinion of these images\?/ })), /1st read/);
  await readNormal(a);

  const b = await signedIn(open, READER_B);
  const second = await startSession(b, '2nd reads session');
  assert.equal(second.name, first.name, 'The 2nd reader should be offered the case the 1st reader has just read');
  assert.equal(await b.page.getByTestId('first-read-hidden').count(), 1, 'Blind reading: the 2nd reader is told a 1st read exists but not what it says');
  assert.equal(await b.page.getByTestId('read-card').count(), 0, 'The 1st opinion should not be shown to the 2nd reader before they give theirs');
  await readNormal(b);

  const episode = await participantEpisode(b, first.name);
  assert.equal(episode.outcome, 'Routine recall');
  assert.equal(episode.stage, 'Closed');
  assert.ok(episode.due, 'A routine recall gives the next test due date');
});

journey('normal against recall for assessment with an annotation goes to arbitration, and the arbitrator agreeing with the recall refers the participant', async ({ open }) => {
  const a = await signedIn(open, READER_A);
  const first = await startSession(a, '1st reads session');
  await readNormal(a);

  const b = await signedIn(open, READER_B);
  await startSession(b, '2nd reads session');
  await choose(b, 'Recall for assessment');
  // Both breasts normal is refused with the rule's own words.
  await b.page.locator('#right-normal').check();
  await b.page.locator('#left-normal').check();
  await b.clickAndLoad(b.page.getByRole('button', { name: 'Continue' }));
  assert.match(await text(b.page.locator('.nhsuk-error-summary')), /Both breasts cannot be normal/);
  await b.page.locator('#right-abnormal').check();
  await b.page.locator('#left-normal').check();
  await b.clickAndLoad(b.page.getByRole('button', { name: 'Continue' }), { expect: /\/opinion\/annotations\/right$/ });
  // An abnormality with a level of concern below 3 alone is not enough.
  await b.page.getByLabel('Describe the location').check();
  await b.page.getByLabel('Location description').fill('UOQ');
  await b.page.getByLabel('Ill-defined mass').check();
  await b.page.getByLabel('4 - Suspicious').check();
  await b.page.getByLabel('Comment (optional)').fill('Spiculated margin');
  await b.clickAndLoad(b.page.getByRole('button', { name: 'Add abnormality' }));
  assert.match(await text(b.page.getByTestId('annotations')), /Ill-defined mass, UOQ, 4 - Suspicious/);
  await b.clickAndLoad(b.page.getByRole('button', { name: 'Continue' }), { expect: /\/opinion\/confirm$/ });
  await confirm(b, { Opinion: 'Recall for assessment', 'Right breast': 'Abnormal, recall for assessment', 'Left breast': 'Normal' });

  const c = await signedIn(open, READER_C);
  const arbitration = await startSession(c, 'Arbitration session');
  assert.equal(arbitration.name, first.name, 'The discordant case should be waiting for arbitration');
  assert.equal(await c.page.getByTestId('read-card').count(), 2, 'The arbitrator sees both reads');
  await c.page.getByLabel(READER_A).check();
  await c.page.getByLabel('Agree with the 2nd read').check();
  await c.clickAndLoad(c.page.getByRole('button', { name: 'Continue' }));

  const office = await signedIn(open, KAREN);
  await office.goto('/reading/outcomes');
  const row = office.page.getByTestId('outcomes').locator('tr', { hasText: first.name });
  assert.equal(await row.count(), 1, `${first.name} should be on the office's list of outcomes to act on`);
  assert.match(await text(row), /Refer to an assessment clinic.*Right breast: Abnormal, recall for assessment/);
  const episode = await participantEpisode(office, first.name);
  assert.equal(episode.outcome, 'Recall for assessment');
  assert.equal(episode.stage, 'At assessment');
});

journey('a technical recall of RMLO with a reason asks the office to book the retake', async ({ open }) => {
  const readRmlo = async (s) => {
    await choose(s, 'Technical recall');
    // A view without a reason is refused.
    await s.page.getByLabel('RMLO', { exact: true }).check();
    await s.clickAndLoad(s.page.getByRole('button', { name: 'Continue' }));
    assert.match(await text(s.page.locator('.nhsuk-error-summary')), /Select the reason for retaking RMLO/);
    await s.page.getByLabel('Reason for recall (RMLO)').selectOption('breast_positioning');
    await s.clickAndLoad(s.page.getByRole('button', { name: 'Continue' }));
    await confirm(s, { Opinion: 'Technical recall', 'Retake RMLO': 'Breast positioning' });
  };
  const a = await signedIn(open, READER_A);
  const first = await startSession(a, '1st reads session');
  await readRmlo(a);
  const b = await signedIn(open, READER_B);
  await startSession(b, '2nd reads session');
  await readRmlo(b);

  const office = await signedIn(open, KAREN);
  await office.goto('/reading/outcomes');
  const row = office.page.getByTestId('outcomes').locator('tr', { hasText: first.name });
  assert.equal(await row.count(), 1);
  assert.match(await text(row), /Book a technical recall appointment.*RMLO: Breast positioning/);
});

journey('a reader cannot open a case they already read as the other reader', async ({ open }) => {
  const a = await signedIn(open, READER_A);
  const first = await startSession(a, '1st reads session');
  await readNormal(a);
  // Reader A now tries the case again in a 2nd reads session, by its address.
  await a.goto('/reading');
  await a.page.getByLabel('2nd reads session', { exact: true }).check();
  await a.clickAndLoad(a.page.getByRole('button', { name: 'Start reading' }));
  assert.doesNotMatch(a.path(), CASE, 'A 2nd reads session should not offer the case to the reader who read it first');
  const session = a.path().match(/^\/reading\/sessions\/([0-9a-f-]{36})/)[1];
  const caseId = first.path.split('/').pop();
  const res = await a.page.goto(`/reading/sessions/${session}/cases/${caseId}`);
  assert.ok(res.status() >= 400, 'Opening the case directly should be refused');
  assert.match(await text(a.page.locator('main')), /You have already read this case/);
  await a.axe();

  // Finish the case so the next journey starts clean.
  const b = await signedIn(open, READER_B);
  await startSession(b, '2nd reads session');
  await readNormal(b);
});

journey('a Clinical user without the Reader role cannot record an opinion', async ({ open }) => {
  const jane = await signedIn(open, JANE);
  await jane.goto('/reading');
  assert.match(await text(jane.page.locator('main')), /You do not have the Reader role/);
  assert.equal(await jane.page.getByRole('button', { name: 'Start reading' }).count(), 0);
  // Asking for a session by hand is refused.
  const res = await jane.page.request.post('/reading/sessions', {
    form: { kind: 'first_reads', size: '10', csrf_token: await jane.page.locator('input[name=csrf_token]').first().inputValue() },
  });
  assert.ok(res.status() >= 400, `Starting a session without the Reader role should be refused (got ${res.status()})`);
});
