// Browser journeys through the automatic image flow: a room served by a DICOM gateway,
// images arriving live while the mammographer watches, "Confirm all images received", the
// repeats question, the check information page with the dose; then the office resolving a
// discrepancy. Images are delivered through the gateway API (ADR 11) by this file, acting as
// the gateway; the DICOM side has its own tests.
//
//   cargo build -p screening && npm run test:browser

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Scratch, Server, Session, binaryPath, launchBrowser, repoRoot } from './support/harness.mjs';

const JANE = 'Jane Hargreaves'; // Clinical, West Yorkshire (DMO1)
const KAREN = 'Karen Booth'; // Administrative, West Yorkshire (DMO1)
const ROOM_B_AE = 'LDS_SEA_MAMMO2'; // Room B at Seacroft Hospital
// A 1x1 grey PNG.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==';

let server;
let browser;
let scratch;
let gatewayToken;

before(async () => {
  server = await Server.start();
  browser = await launchBrowser();
  scratch = await Scratch.open(browser);
  // Register a gateway for Room B, as IT would, with the real command.
  const r = spawnSync(
    binaryPath(),
    ['gateway-token', '--provider', 'DMO1', '--name', 'Browser test gateway', '--room', ROOM_B_AE],
    { cwd: repoRoot, env: { ...process.env, DATABASE_URL: `sqlite://${server.dir}/db.sqlite?mode=rwc` }, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, `screening gateway-token should succeed: ${r.stderr}`);
  gatewayToken = r.stdout.trim();
  assert.ok(gatewayToken.length > 20, 'screening gateway-token should print the token');
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
    const open = async (options = {}) => {
      const s = await Session.open(browser, server, t, { ...options, scratch });
      sessions.push(s);
      return s;
    };
    try {
      await fn(await open(), { open, t });
      for (const s of sessions) await s.finish();
    } catch (e) {
      for (const s of sessions) await s.context.close().catch(() => {});
      throw e;
    }
  });
}

const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();
const UUID = '[0-9a-f-]{36}';

// --- The gateway's side ---------------------------------------------------------------

async function gateway(method, path, body) {
  const res = await fetch(`${server.baseURL}/api/v1${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${gatewayToken}`,
      'X-Gateway-Queue-Depth': '0',
      ...(body ? { 'Content-Type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json() };
}

async function worklistItem(appointmentId) {
  const { status, body } = await gateway('GET', '/gateway/worklist');
  assert.equal(status, 200, 'The gateway should be able to read the worklist');
  const item = body.items.find((i) => i.appointment_id === appointmentId);
  assert.ok(item, 'Reaching "Take mammogram images" in Room B should put the participant on the worklist');
  return item;
}

let sop = 0;
async function sendImage(item, laterality, view, { patientId = item.patient_id } = {}) {
  sop += 1;
  const { status } = await gateway('POST', '/gateway/events', {
    id: randomUUID(),
    occurred_at: new Date().toISOString(),
    kind: 'image',
    sop_instance_uid: `1.2.826.0.1.3680043.9.${Date.now()}.${sop}`,
    study_instance_uid: item.study_instance_uid,
    accession_number: item.accession_number,
    patient_id: patientId,
    laterality,
    view_position: view,
    presentation_intent: 'FOR PRESENTATION',
    organ_dose_mgy: 1.5,
    entrance_dose_mgy: 6,
    thumbnail: { media_type: 'image/png', width: 1, height: 1, data_base64: PNG },
  });
  assert.equal(status, 201, 'The central service should store a new image');
}

// --- Journey steps --------------------------------------------------------------------

/** Jane checks in the first remaining participant, starts and reaches the images step. */
async function upToImages(s) {
  await s.signInAs(JANE);
  await s.openTodaysFirstClinic();
  const row = s.page
    .getByTestId('appointment-row')
    .filter({ has: s.page.getByRole('button', { name: /^Check in/ }) })
    .filter({ hasNot: s.page.getByTestId('special-tag') })
    .last();
  const name = await text(row.locator('td').nth(1).getByRole('link'));
  const action = await row.locator('form').getAttribute('action');
  const appointmentId = new RegExp(`^/appointments/(${UUID})/check-in$`).exec(action)?.[1];
  assert.ok(appointmentId, 'The row should have a check-in form');
  await s.clickAndLoad(row.getByRole('button', { name: /^Check in/ }));
  await s.goto(`/appointments/${appointmentId}`);
  await s.clickAndLoad(s.page.getByRole('button', { name: 'Start appointment', exact: true }), {
    expect: `/appointments/${appointmentId}/identity`,
  });
  await s.clickAndLoad(s.page.getByRole('button', { name: 'Confirm identity and continue' }));
  await s.clickAndLoad(s.page.getByRole('button', { name: 'Complete all and continue' }), {
    expect: `/appointments/${appointmentId}/images`,
  });
  return { name, appointmentId };
}

journey('the automatic image flow: images appear live, are confirmed, and the dose is recorded', async (s, { open }) => {
  const who = await upToImages(s);
  // Room A has no gateway: the manual question. Room B has one.
  assert.match(await text(s.page.getByTestId('mammogram-location')), /Room A/, 'The images step should start in Room A');
  await s.clickAndLoad(s.page.getByRole('link', { name: 'Change mammogram location' }), { expect: `/appointments/${who.appointmentId}/images/room` });
  await s.page.getByRole('radio', { name: 'Room B' }).check();
  await s.clickAndLoad(s.page.getByRole('button', { name: 'Save room' }), { expect: `/appointments/${who.appointmentId}/images` });
  assert.equal(await text(s.page.getByTestId('awaiting-images')), 'Awaiting images', 'A room with a gateway should wait for images');
  assert.match(await text(s.page.getByTestId('worklist-status')), /^Sending to the worklist Accn: [0-9A-Z]{16}/, 'Until the gateway collects it, the item should be on its way to the worklist');
  // The gateway collects the item, then asks for what comes next: the participant is on the worklist.
  const item = await worklistItem(who.appointmentId);
  const { body: collected } = await gateway('GET', '/gateway/worklist');
  await gateway('GET', `/gateway/worklist?after=${collected.cursor}`);
  await s.reload();
  assert.match(await text(s.page.getByTestId('worklist-status')), /^On worklist Accn: [0-9A-Z]{16}/, 'The participant should be on the worklist, with the accession number');
  await s.page.getByText('Troubleshoot issues with images').click();
  const names = await s.page.getByTestId('troubleshooting').getByRole('button').allInnerTexts();
  assert.ok(names.some((n) => /Switch to manual image mode/.test(n)), `The troubleshooting card should offer manual mode (buttons: ${JSON.stringify(names)})`);
  await s.page.getByText('Troubleshoot issues with images').click();

  // The gateway delivers five images, one at a time; they appear without a reload.
  assert.equal(item.station_ae_title, ROOM_B_AE, "The worklist item should name Room B's machine");
  await sendImage(item, 'R', 'CC');
  const arrivedAt = Date.now();
  await s.page.getByTestId('images-received').waitFor({ timeout: 5_000 });
  assert.ok(Date.now() - arrivedAt < 2_500, `A thumbnail should show within about 2 s of arriving (took ${Date.now() - arrivedAt} ms)`);
  for (const [lat, view] of [['R', 'MLO'], ['R', 'MLO'], ['L', 'CC'], ['L', 'MLO']]) await sendImage(item, lat, view);
  // A different participant's image is quarantined, never shown here.
  await sendImage(item, 'L', 'CC', { patientId: '9999999999' });
  await s.page.getByText('5 images received: 1x RCC, 2x RMLO, 1x LCC, 1x LMLO').waitFor({ timeout: 5_000 });
  assert.equal(await s.page.getByRole('img', { name: /mammogram thumbnail/ }).count(), 5, 'Five thumbnails should show, and not the quarantined image');
  assert.equal(await s.page.getByRole('heading', { name: 'Right breast' }).count(), 1, 'Thumbnails should be grouped under "Right breast"');
  assert.equal(await s.page.getByRole('heading', { name: 'Left breast' }).count(), 1, 'Thumbnails should be grouped under "Left breast"');

  // Without JavaScript the same page shows the images, with a link to check for more.
  const noJs = await open({ javaScript: false });
  await noJs.signInAs(JANE);
  await noJs.goto(`/appointments/${who.appointmentId}/images`);
  assert.match(await text(noJs.page.getByTestId('images-received')), /^5 images received/, 'Without JavaScript the images received should show');
  assert.equal(await noJs.page.getByRole('link', { name: 'Check for new images' }).count(), 1, 'Without JavaScript a link should check for new images');

  // The machine completes the study.
  const { status } = await gateway('POST', '/gateway/events', {
    id: randomUUID(), occurred_at: new Date().toISOString(), kind: 'mpps', mpps_instance_uid: `1.2.826.0.1.3680043.9.${Date.now()}.99`,
    status: 'COMPLETED', accession_number: item.accession_number, patient_id: item.patient_id, performed_series: null,
  });
  assert.equal(status, 201);
  await s.page.getByTestId('study-complete').waitFor({ timeout: 5_000 });
  await s.axe();

  // Confirm: two RMLO images, so the repeats question comes next.
  await s.clickAndLoad(s.page.getByRole('button', { name: 'Confirm all images received' }), { expect: `/appointments/${who.appointmentId}/images/repeats` });
  const question = s.page.getByRole('group', { name: '2 RMLO images were taken. Was the additional image a repeat?' });
  await question.getByRole('radio', { name: 'Yes, it was a repeat' }).check();
  await s.page.getByRole('checkbox', { name: 'Participant movement' }).check();
  await s.clickAndLoad(s.page.getByRole('button', { name: 'Continue', exact: true }), { expect: `/appointments/${who.appointmentId}/images/details` });
  await s.clickAndLoad(s.page.getByRole('button', { name: 'Continue', exact: true }), { expect: `/appointments/${who.appointmentId}/check` });
  const card = s.page.getByTestId('images-card');
  const cardText = await text(card);
  assert.match(cardText, /^5 images taken/, 'The images card should count 5 images');
  assert.match(cardText, /Image recording method Automatic/, 'The record should say it was made automatically');
  assert.match(cardText, /2x RMLO: 1 repeat \(Participant movement\)/, 'The repeat should be recorded');
  assert.match(cardText, /Dose per image RCC: 1\.50 mGy/, 'The dose of each image should be shown');
  assert.match(cardText, /Total dose 7\.50 mGy \(organ dose\)/, 'The total dose should be shown');
  await s.clickAndLoad(s.page.getByRole('button', { name: 'Complete screening and return to clinic' }), { expect: /^\/clinics\// });

  // One more image after the end: the office must look at it.
  await sendImage(item, 'L', 'MLO');
});

journey('the office sees quarantined images and resolves a discrepancy, saying how', async (s) => {
  await s.signInAs(KAREN);
  await s.goto('/image-gateways');
  assert.match(await text(s.page.getByTestId('gateways')), /Browser test gateway/, 'The gateway should be listed with its status');
  assert.match(await text(s.page.getByTestId('quarantine-alert')), /in quarantine/, 'Quarantined images should raise an alert');
  const cards = s.page.getByTestId('discrepancy');
  assert.ok((await cards.count()) >= 1, 'The image after the end should be listed as a discrepancy');
  const card = cards.filter({ hasText: 'Images received after the appointment ended' }).first();
  // Saying nothing is refused.
  await s.clickAndLoad(card.getByRole('button', { name: /^Mark as resolved/ }));
  assert.match(await text(s.page.getByTestId('error-summary')), /Enter how the discrepancy was resolved/, 'An empty resolution should be refused');
  const again = s.page.getByTestId('discrepancy').filter({ hasText: 'Images received after the appointment ended' }).first();
  await again.getByRole('textbox').fill('Extra LMLO taken after completion; checked in PACS');
  await s.clickAndLoad(again.getByRole('button', { name: /^Mark as resolved/ }), { expect: '/image-gateways' });
  assert.match(await text(s.page.getByTestId('resolved-banner')), /The discrepancy has been resolved/, 'A banner should confirm the resolution');
  assert.match(await text(s.page.getByTestId('resolved')), /Karen Booth/, 'The resolved list should say who resolved it');
  assert.match(await text(s.page.getByTestId('resolved')), /Extra LMLO taken after completion/, 'The resolved list should say how');

  // The quarantined image (another participant's ID) is kept out of every record, saying why.
  const quarantined = s.page.getByTestId('quarantined-image').first();
  assert.match(await text(quarantined), /The image's PatientID is not the NHS number of the appointment it names/, 'The quarantined image should say why it was not attached');
  await quarantined.getByRole('textbox').fill('Test exposure on the wrong patient; deleted on the machine');
  await s.clickAndLoad(quarantined.getByRole('button', { name: 'Keep out of all records' }), { expect: '/image-gateways' });
  assert.equal(await s.page.getByTestId('quarantine-alert').count(), 0, 'No image should be left in quarantine');
});

journey("a different participant's image needs two people to attach, and can be detached again", async (s, { open }) => {
  const who = await upToImages(s);
  await s.clickAndLoad(s.page.getByRole('link', { name: 'Change mammogram location' }), { expect: `/appointments/${who.appointmentId}/images/room` });
  await s.page.getByRole('radio', { name: 'Room B' }).check();
  await s.clickAndLoad(s.page.getByRole('button', { name: 'Save room' }), { expect: `/appointments/${who.appointmentId}/images` });
  const item = await worklistItem(who.appointmentId);
  for (const [lat, view] of [['R', 'CC'], ['R', 'MLO'], ['L', 'CC'], ['L', 'MLO']]) await sendImage(item, lat, view);
  // The machine had another NHS number typed in for this one: quarantined.
  await sendImage(item, 'L', 'MLO', { patientId: '9434765919' });
  await s.page.getByText('4 images received: 1x RCC, 1x RMLO, 1x LCC, 1x LMLO').waitFor({ timeout: 5_000 });

  // Karen asks for it to be attached; she cannot confirm it herself.
  const karen = await open();
  await karen.signInAs(KAREN);
  await karen.goto('/image-gateways');
  const card = () => karen.page.getByTestId('quarantined-image').filter({ hasText: '9434765919' }).first();
  await card().getByRole('textbox').fill('Radiographer says the PatientID was mistyped on the machine');
  await karen.clickAndLoad(card().getByRole('button', { name: 'Attach to this appointment' }), { expect: '/image-gateways' });
  assert.match(await text(karen.page.getByTestId('settled-banner')), /A different person must check the image and confirm it/, 'Asking should say a second person must confirm');
  assert.match(await text(card().getByTestId('attachment-requested')), /Attachment asked for by Karen Booth/, 'The card should say who asked');
  await card().getByRole('textbox').fill('I checked it myself');
  await karen.clickAndLoad(card().getByRole('button', { name: 'Confirm attachment' }), { expect: /^\/received-images\// });
  assert.match(await text(karen.page.getByTestId('error-summary')), /a different person must check and confirm it/, 'The same person confirming should be refused with a clear message');

  // Jane, a different person, confirms it.
  await s.goto('/image-gateways');
  const mine = s.page.getByTestId('quarantined-image').filter({ hasText: '9434765919' }).first();
  await mine.getByRole('textbox').fill('Checked on the machine and PACS: it is her LMLO');
  await s.clickAndLoad(mine.getByRole('button', { name: 'Confirm attachment' }), { expect: '/image-gateways' });
  assert.match(await text(s.page.getByTestId('settled-banner')), /attached to the appointment/, 'The confirmation should attach the image');
  await s.goto(`/appointments/${who.appointmentId}/images`);
  await s.page.getByText('5 images received: 1x RCC, 1x RMLO, 1x LCC, 2x LMLO').waitFor({ timeout: 5_000 });

  // It was a different participant's after all: detached from the appointment's images.
  await s.clickAndLoad(s.page.getByRole('link', { name: "Detach images that are a different participant's" }), { expect: `/image-gateways/appointments/${who.appointmentId}` });
  assert.equal(await s.page.getByTestId('received-image').count(), 5, 'All five images should be listed');
  const wrong = () => s.page.getByTestId('received-image').filter({ hasText: "Not this participant's NHS number" });
  assert.equal(await wrong().count(), 1, "The image with another PatientID should be tagged");
  await s.clickAndLoad(wrong().getByRole('button', { name: /^These are a different participant's images/ }));
  assert.match(await text(s.page.getByTestId('error-summary')), /Enter why these are a different participant's images/, 'Detaching without a reason should be refused');
  await wrong().getByRole('textbox').fill('PACS shows it is another woman: wrong worklist entry');
  await s.clickAndLoad(wrong().getByRole('button', { name: /^These are a different participant's images/ }), { expect: `/image-gateways/appointments/${who.appointmentId}` });
  assert.match(await text(s.page.getByTestId('detached-banner')), /detached and put in quarantine/, 'A banner should confirm the detachment');
  assert.equal(await s.page.getByTestId('received-image').count(), 4, 'Four images should be left');
  await s.goto(`/appointments/${who.appointmentId}/images`);
  await s.page.getByText('4 images received: 1x RCC, 1x RMLO, 1x LCC, 1x LMLO').waitFor({ timeout: 5_000 });

  // Back in quarantine, saying where it came from; the office keeps it out of every record.
  await karen.goto('/image-gateways');
  assert.match(await text(card()), /Detached from an appointment by Jane Hargreaves/, 'The quarantined image should say it was detached, by whom');
  await card().getByRole('textbox').fill('Belongs to another participant; passed to PACS team');
  await karen.clickAndLoad(card().getByRole('button', { name: 'Keep out of all records' }), { expect: '/image-gateways' });
});
