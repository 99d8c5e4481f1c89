// Form bodies for documents (API.md §3.1), as RESTHeart's mongoservice-multipart-form-content-type
// feature: multipart/form-data and application/x-www-form-urlencoded fields become properties,
// values parsed as relaxed JSON, unquoted strings kept, a broken {…} or […] → 400.
import assert from 'node:assert/strict';
import { MULTIPART, multipart, type Part } from '../helpers/multipart.ts';
import { errorBody, scenarios, type Reply } from '../helpers/server.ts';

const FORM = 'application/x-www-form-urlencoded';
const fields = (o: Record<string, string>): Part[] => Object.entries(o).map(([name, value]) => ({ name, value }));
const mp = (o: Record<string, string>, extra: Part[] = []) => multipart([...fields(o), ...extra]).toString('latin1');
const form = (o: Record<string, string>) => new URLSearchParams(o).toString();
const TYPED = { s: 'foo', n: '1', ns: '"1"', b: 'true', bs: '"true"', json: '{ foo: "bar" }' };
const EXPECTED = { s: 'foo', n: 1, ns: '1', b: true, bs: 'true', json: { foo: 'bar' } };

function hasTyped(r: Reply, extra: Record<string, unknown> = {}): void {
  const { _etag: _ignored, ...doc } = r.json();
  assert.deepEqual(doc, { ...EXPECTED, ...extra, _id: doc._id });
}

scenarios({ setup: async () => undefined }, [
  { name: 'collection', method: 'PUT', path: '/coll', body: {}, status: 201 },
  { name: 'multipart POST', method: 'POST', path: '/coll', headers: { 'Content-Type': MULTIPART }, body: mp({ _id: 'mpdoc', ...TYPED }), status: 201 },
  { name: 'multipart values typed as RESTHeart does', method: 'GET', path: '/coll/mpdoc', status: 200, check: (r) => hasTyped(r) },
  { name: 'multipart PATCH with $inc', method: 'PATCH', path: '/coll/mpdoc', headers: { 'Content-Type': MULTIPART }, body: mp({ $inc: '{ n: 100 }' }), status: 200 },
  { name: 'the $inc applied', method: 'GET', path: '/coll/mpdoc', status: 200, check: (r) => hasTyped(r, { n: 101 }) },
  { name: 'multipart unquoted strings', method: 'POST', path: '/coll', headers: { 'Content-Type': MULTIPART }, body: mp({ _id: 'mpunquoted', unquoted: 'foo', quoted: '"foo"', blank: ' ' }), status: 201 },
  { name: 'unquoted and quoted alike; blank kept', method: 'GET', path: '/coll/mpunquoted?keys={"_etag":0}', status: 200, expectBody: { _id: 'mpunquoted', unquoted: 'foo', quoted: 'foo', blank: ' ' } },
  {
    name: 'multipart file parts are not properties', method: 'POST', path: '/coll', headers: { 'Content-Type': MULTIPART },
    body: mp({ _id: 'withfile', a: '1' }, [{ name: 'f', filename: 'x.bin', data: Buffer.from('zzz') }]), status: 201,
  },
  { name: 'only the fields stored', method: 'GET', path: '/coll/withfile?keys={"_etag":0}', status: 200, expectBody: { _id: 'withfile', a: 1 } },
  {
    name: 'multipart with broken JSON: 400', method: 'POST', path: '/coll', headers: { 'Content-Type': MULTIPART }, body: mp({ wronjson: '{ foo: "bar"' }), status: 400,
    check: (r) => assert.match(r.json().message, /^Invalid JSON\. /),
  },
  {
    name: 'a truncated multipart body: 400', method: 'POST', path: '/coll', headers: { 'Content-Type': MULTIPART }, body: mp({ _id: 'cut', a: '1' }).slice(0, 60), status: 400,
    check: (r) => assert.match(r.json().message, /^Invalid multipart body: /),
  },
  { name: 'a multipart PUT replaces', method: 'PUT', path: '/coll/mpdoc', headers: { 'Content-Type': MULTIPART }, body: mp({ only: '[1,2]' }), status: 200 },
  { name: 'the replacement', method: 'GET', path: '/coll/mpdoc?keys={"_etag":0}', status: 200, expectBody: { _id: 'mpdoc', only: [1, 2] } },
  { name: 'urlencoded POST', method: 'POST', path: '/coll', headers: { 'Content-Type': FORM }, body: form({ _id: 'fuedoc', ...TYPED }), status: 201 },
  { name: 'urlencoded values typed', method: 'GET', path: '/coll/fuedoc', status: 200, check: (r) => hasTyped(r) },
  { name: 'urlencoded PATCH with $inc', method: 'PATCH', path: '/coll/fuedoc', headers: { 'Content-Type': FORM }, body: form({ $inc: '{ n: 100 }' }), status: 200 },
  { name: 'the urlencoded $inc applied', method: 'GET', path: '/coll/fuedoc', status: 200, check: (r) => hasTyped(r, { n: 101 }) },
  { name: 'urlencoded broken JSON: 400', method: 'POST', path: '/coll', headers: { 'Content-Type': FORM }, body: form({ wrongjson: '{ foo: "bar }' }), status: 400 },
  { name: 'urlencoded unquoted strings', method: 'POST', path: '/coll', headers: { 'Content-Type': FORM }, body: form({ _id: 'fueunquoted', unquoted: 'foo', quoted: '"foo"' }), status: 201 },
  { name: 'urlencoded unquoted and quoted alike', method: 'GET', path: '/coll/fueunquoted?keys={"_etag":0}', status: 200, expectBody: { _id: 'fueunquoted', unquoted: 'foo', quoted: 'foo' } },
  {
    name: 'a form to a missing collection: 404', method: 'POST', path: '/nope', headers: { 'Content-Type': FORM }, body: form({ a: '1' }), status: 404,
    expectBody: errorBody(404, 'Not Found', "Collection 'nope' does not exist"),
  },
]);
