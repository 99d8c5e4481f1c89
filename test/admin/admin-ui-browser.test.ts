// The admin UI in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core, as in
// test/browser/): log in, list collections, create a collection, create a document with an
// ObjectId, a date, an Int64 and a Decimal128 and check from Node that the stored types are exact,
// edit it (still exact), meet an If-Match conflict, a bad filter's error, delete it; an
// ACL-limited user is refused what the
// ACL refuses; the default-password warning stays until the password is changed; aggregations,
// a live change stream, a file bucket, metrics and the OpenAPI page. No CSP violation
// and no script error on any screen. Screenshots of each screen go to test-artifacts/.
//
// Chromium missing: skipped locally (with a message), a failure when CI is set.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { call, startServer, type TestServer } from '../helpers/server.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const IN_CI = process.env.CI !== undefined && !['', '0', 'false'].includes(process.env.CI.toLowerCase());
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-quic'];
const TEST_TIMEOUT = 60_000;

const OID = '65a1b2c3d4e5f60718293a4b';
const NEW_DOC = `{
  "_id": {"$oid": "${OID}"},
  "at": {"$date": "2024-01-02T03:04:05.678Z"},
  "big": {"$numberLong": "9007199254740993"},
  "price": {"$numberDecimal": "1.10"},
  "ratio": 1.5,
  "whole": {"$numberDouble": "2.0"},
  "n": 7,
  "tags": ["a", "b"]
}`;
/** the stored document as canonical Extended JSON, _etag aside */
const STORED = {
  _id: { $oid: OID },
  at: { $date: { $numberLong: '1704164645678' } },
  big: { $numberLong: '9007199254740993' },
  price: { $numberDecimal: '1.10' },
  ratio: { $numberDouble: '1.5' },
  whole: { $numberDouble: '2.0' },
  n: { $numberInt: '7' },
  tags: ['a', 'b'],
};

async function stored(srv: TestServer): Promise<{ status: number; doc: Record<string, unknown> | undefined }> {
  const r = await call(srv, 'GET', `/things/${OID}?jsonMode=extended`);
  if (r.status !== 200) return { status: r.status, doc: undefined };
  const { _etag, ...doc } = r.json();
  return { status: 200, doc };
}

/** Console errors other than the failed requests the scenarios provoke on purpose (401/403/400/412). */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of (400|401|403|404|412)/.test(m.text())) problems.push(m.text());
  });
  return problems;
}

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `admin-${name}.png`), fullPage: true });
}

async function logIn(page: Page, url: string, user: string, password: string): Promise<void> {
  await page.goto(`${url}/_admin/`);
  await page.getByLabel('User').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
}

if (!existsSync(CHROMIUM) && !IN_CI) {
  test('admin UI in headless Chromium', {
    skip: `Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium" (or set CHROMIUM_PATH); with CI set this is a failure`,
  }, () => {});
} else {
  describe('admin UI in headless Chromium', { timeout: 240_000 }, () => {
    let browser: Browser;
    let srv: TestServer;
    let ctx: BrowserContext;
    let page: Page;
    let problems: string[];

    before(async () => {
      if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} and CI is set: CI must install it`);
      [browser, srv] = await Promise.all([
        chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS }),
        startServer({ rho: '/mongoAclAuthorizer/cache-ttl->0' }),
      ]);
      for (const [method, path, body] of [
        ['PUT', '/things', undefined], ['POST', '/things', { _id: 'seed', name: 'first' }],
        ['POST', '/users', { _id: 'reader', password: 'pw', roles: ['reader'] }],
        ['POST', '/acl', { _id: 'readThings', roles: ['reader'], predicate: "path-prefix('/things') and method(GET)", priority: 1 }],
      ] as const) assert.ok((await call(srv, method, path, { body })).status < 300, `${method} ${path}`);
      ctx = await browser.newContext();
      page = await ctx.newPage();
      problems = watch(page);
    });

    after(async () => {
      await browser?.close();
      await srv?.close();
    });

    test('log in; the default-password warning is shown', { timeout: TEST_TIMEOUT }, async () => {
      await page.goto(`${srv.url}/_admin`);
      await page.getByLabel('Password').fill('wrong');
      await page.getByLabel('User').fill('admin');
      await shot(page, 'login');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByText('Wrong user name or password').waitFor();
      await logIn(page, srv.url, 'admin', 'secret');
      await page.locator('#default-password').getByText('still has the default password').waitFor();
      await page.getByRole('heading', { name: 'Databases' }).waitFor();
      await shot(page, 'databases');
    });

    test('list the collections with their counts', { timeout: TEST_TIMEOUT }, async () => {
      await page.getByRole('link', { name: 'restheart' }).click();
      const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'things' }) });
      await assert.doesNotReject(row.getByRole('cell', { name: '1', exact: true }).waitFor());
      for (const c of ['users', 'acl']) await page.getByRole('link', { name: c, exact: true }).waitFor();
      await shot(page, 'collections');
    });

    test('create a collection', { timeout: TEST_TIMEOUT }, async () => {
      await page.getByRole('button', { name: 'New collection' }).click();
      await page.getByRole('dialog').getByLabel('Name').fill('notes');
      await page.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
      await page.getByRole('link', { name: 'notes', exact: true }).waitFor();
      assert.equal((await call(srv, 'GET', '/notes')).status, 200);
      await page.getByRole('link', { name: 'things' }).click();
      await page.getByRole('cell', { name: 'first' }).waitFor();
    });

    test('create a document with an ObjectId, a date, an Int64 and a Decimal128: stored exactly', { timeout: TEST_TIMEOUT }, async () => {
      await page.getByRole('button', { name: 'New document' }).click();
      await page.getByLabel('Document (Extended JSON)').fill(NEW_DOC);
      await shot(page, 'new-document');
      await page.getByRole('button', { name: 'Create', exact: true }).click();
      await page.getByText(/^Created/).waitFor();
      assert.deepEqual(await stored(srv), { status: 200, doc: STORED });
      await page.getByRole('cell', { name: `ObjectId(${OID})`, exact: true }).waitFor();
      await page.getByRole('cell', { name: '2024-01-02T03:04:05.678Z' }).waitFor();
      await shot(page, 'documents');
      await page.getByRole('button', { name: 'JSON view' }).click();
      await page.getByText('"$numberLong": "9007199254740993"').waitFor();
      await shot(page, 'documents-json');
      await page.getByRole('button', { name: 'Table view' }).click();
    });

    test('edit it: the editor shows every type, the save keeps them', { timeout: TEST_TIMEOUT }, async () => {
      await page.getByRole('button', { name: `Edit ObjectId(${OID})` }).click();
      const editor = page.getByLabel('Document (Extended JSON)');
      const text = await editor.inputValue();
      for (const part of ['"$date": "2024-01-02T03:04:05.678Z"', '"$numberLong": "9007199254740993"', '"$numberDecimal": "1.10"', '"$numberDouble": "2.0"', '"ratio": 1.5', '"n": 7']) {
        assert.ok(text.includes(part), `editor lacks ${part}:\n${text}`);
      }
      assert.ok(!text.includes('_etag') && !text.includes('_id'), text);
      await editor.fill(text.replace('"ratio": 1.5', '"ratio": 2.25'));
      await shot(page, 'edit-document');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByText('Saved.').waitFor();
      assert.deepEqual(await stored(srv), { status: 200, doc: { ...STORED, ratio: { $numberDouble: '2.25' } } });
    });

    test('a change made meanwhile: Save is refused with If-Match (412) and says so, nothing is written', { timeout: TEST_TIMEOUT }, async () => {
      await page.getByRole('button', { name: `Edit ObjectId(${OID})` }).click();
      const editor = page.getByLabel('Document (Extended JSON)');
      await editor.fill((await editor.inputValue()).replace('"ratio": 2.25', '"ratio": 3.5'));
      assert.equal((await call(srv, 'PATCH', `/things/${OID}`, { body: { $set: { by: 'someone else' } } })).status, 200);
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('alert').getByText(/^Conflict: this document was changed or deleted by someone else/).waitFor();
      await shot(page, 'conflict');
      await page.getByRole('button', { name: 'Cancel' }).click();
      const after = await stored(srv);
      assert.deepEqual(after.doc, { ...STORED, ratio: { $numberDouble: '2.25' }, by: 'someone else' });
    });

    test("a bad filter shows the API's error; a good one filters", { timeout: TEST_TIMEOUT }, async () => {
      await page.getByLabel('Filter').fill('{"n": {"$gt": }');
      await page.getByRole('button', { name: 'Find' }).click();
      await page.getByRole('alert').getByText(/illegal filter parameter/).waitFor();
      await shot(page, 'bad-filter');
      await page.getByLabel('Filter').fill('{"big": {"$numberLong": "9007199254740993"}}');
      await page.getByLabel('Sort').fill('{"_id": -1}');
      await page.getByLabel('Keys (projection)').fill('{"big": 1, "at": 1}');
      await page.getByRole('button', { name: 'Find' }).click();
      await page.getByText('Page 1 of 1 · 1 document').waitFor();
      assert.equal(await page.getByRole('cell', { name: 'first' }).count(), 0);
      assert.equal(await page.getByRole('columnheader', { name: 'price' }).count(), 0, 'the projection is applied');
    });

    test('delete it', { timeout: TEST_TIMEOUT }, async () => {
      await page.getByRole('button', { name: `Delete ObjectId(${OID})` }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
      await page.getByText('Deleted.').waitFor();
      assert.equal((await stored(srv)).status, 404);
    });

    test('indexes, metadata and the other screens render', { timeout: TEST_TIMEOUT }, async () => {
      await page.getByRole('link', { name: 'Indexes' }).click();
      await page.getByRole('cell', { name: '_id_' }).waitFor();
      await shot(page, 'indexes');
      await page.getByRole('link', { name: 'Metadata' }).click();
      await page.getByLabel('Collection metadata').waitFor();
      await shot(page, 'metadata');
      await page.getByRole('link', { name: 'Metrics' }).click();
      await page.getByRole('heading', { name: 'Metrics' }).waitFor();
      await page.getByRole('columnheader', { name: 'Metric' }).waitFor();
      await shot(page, 'metrics');
    });

    test('aggregations run with avars; a change stream shows writes live', { timeout: TEST_TIMEOUT }, async () => {
      const meta = {
        aggrs: [{ type: 'pipeline', uri: 'byName', stages: [{ $match: { name: { $var: 'n' } } }, { $project: { _id: 0, name: 1 } }] }],
        streams: [{ uri: 'all', stages: [] }],
      };
      assert.equal((await call(srv, 'PUT', '/things', { body: meta })).status, 200);
      await page.goto(`${srv.url}/_admin/#/db/restheart/things/aggrs`);
      await page.getByLabel('Variables (avars)').fill('{"n": "first"}');
      await page.getByRole('button', { name: 'Run' }).click();
      await page.getByText('"name": "first"').waitFor();
      await shot(page, 'aggregations');
      await page.getByLabel('Variables (avars)').fill('{}');
      await page.getByRole('button', { name: 'Run' }).click();
      // the API's 400 for the unbound variable, in its words
      await page.locator('main').getByRole('alert').getByText('cannot execute aggregation: variable n not bound').waitFor();
      await page.getByRole('link', { name: 'Change streams' }).click();
      await page.getByRole('button', { name: 'Connect' }).click();
      await page.getByText('Connected to all: waiting for changes.').waitFor();
      assert.equal((await call(srv, 'POST', '/things', { body: { _id: 'live', name: 'streamed' } })).status, 201);
      await page.getByText('insert live').waitFor();
      assert.equal((await call(srv, 'PATCH', '/things/live', { body: { n: 2 } })).status, 200);
      await page.getByText('update live').waitFor();
      await page.getByText('1 event').waitFor({ state: 'detached' });
      await shot(page, 'change-stream');
      await page.getByRole('button', { name: 'Stop' }).click();
      await page.getByText('Stopped.').waitFor();
    });

    test('file bucket: create, upload with progress, download the same bytes, delete', { timeout: TEST_TIMEOUT }, async () => {
      await page.goto(`${srv.url}/_admin/#/db/restheart`);
      await page.getByRole('button', { name: 'New file bucket' }).click();
      await page.getByRole('dialog').getByLabel('Name').fill('pics');
      await page.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
      await page.getByRole('link', { name: 'pics', exact: true }).click();
      const bytes = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
      await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'data.bin', mimeType: 'application/octet-stream', buffer: bytes });
      await page.getByLabel('Metadata (JSON)').fill('{"purpose": "test"}');
      await page.getByRole('button', { name: 'Upload' }).click();
      await page.getByText('Uploaded data.bin.').waitFor();
      await page.getByRole('cell', { name: 'data.bin', exact: true }).waitFor();
      await shot(page, 'files');
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download' }).click()]);
      const chunks: Buffer[] = [];
      for await (const c of (await download.createReadStream())) chunks.push(c as Buffer);
      assert.deepEqual(Buffer.concat(chunks), bytes);
      await page.getByRole('button', { name: 'Delete data.bin' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
      await page.getByText('No files yet.').waitFor();
    });

    test('the API page lists the OpenAPI paths', { timeout: TEST_TIMEOUT }, async () => {
      await page.getByRole('link', { name: 'API' }).click();
      await page.getByRole('cell', { name: '/things', exact: true }).waitFor();
      await shot(page, 'openapi');
    });

    test('users: no password shown; changing admin\'s password ends the warning', { timeout: TEST_TIMEOUT }, async () => {
      await page.getByRole('link', { name: 'Users' }).click();
      await page.getByRole('cell', { name: 'reader', exact: true }).first().waitFor();
      await shot(page, 'users');
      const html = await page.content();
      assert.ok(!/\$2[aby]\$/.test(html) && !html.includes('"password"'), 'no password hash on the page');
      await page.getByRole('button', { name: 'Change password of admin' }).click();
      await page.getByLabel('New password').fill('a long new one');
      await page.getByLabel('Repeat').fill('a long new one');
      await page.getByRole('button', { name: 'Change password', exact: true }).click();
      await page.locator('#default-password').waitFor({ state: 'detached' });
      await page.getByRole('heading', { name: 'Users' }).waitFor();
      const login = await fetch(`${srv.url}/token`, { method: 'POST', headers: { Authorization: `Basic ${Buffer.from('admin:a long new one').toString('base64')}` } });
      assert.equal(login.status, 200);
    });

    test('no bypass: logged out, the page itself gets 401 from the API', { timeout: TEST_TIMEOUT }, async () => {
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.getByText('You are logged out.').waitFor();
      const statuses = await page.evaluate(async () => Promise.all(['/things', '/_admin/config.json', '/users'].map(async (p) =>
        (await fetch(p, { headers: { 'No-Auth-Challenge': 'true' } })).status)));
      assert.deepEqual(statuses, [401, 401, 401]);
    });

    test('an ACL-limited user sees what the ACL allows and is refused the rest', { timeout: TEST_TIMEOUT }, async () => {
      const dark = await browser.newContext({ colorScheme: 'dark' });
      const p = await dark.newPage();
      const theirs = watch(p);
      await logIn(p, srv.url, 'reader', 'pw');
      assert.equal(await p.locator('#default-password').count(), 0);
      await p.getByRole('link', { name: 'restheart' }).click();
      await p.getByRole('alert').getByText('Forbidden (403)').waitFor();
      await p.goto(`${srv.url}/_admin/#/db/restheart/things`);
      await p.getByRole('cell', { name: 'first' }).waitFor();
      await shot(p, 'reader-dark');
      await p.getByRole('button', { name: 'New document' }).click();
      await p.getByLabel('Document (Extended JSON)').fill('{"x": 1}');
      await p.getByRole('button', { name: 'Create', exact: true }).click();
      await p.getByRole('dialog').getByRole('alert').getByText('Forbidden (403)').waitFor();
      await p.getByRole('button', { name: 'Cancel' }).click();
      const admin = { Authorization: `Basic ${Buffer.from('admin:a long new one').toString('base64')}` };
      assert.deepEqual((await call(srv, 'GET', '/things?filter={"x":1}', { headers: admin })).json(), [], 'nothing written');
      await p.goto(`${srv.url}/_admin/#/users`);
      await p.getByRole('alert').getByText('Forbidden (403)').waitFor();
      assert.deepEqual(theirs, []);
      await dark.close();
    });

    test('no script error and no CSP violation on any screen', () => {
      assert.deepEqual(problems, []);
    });
  });
}
