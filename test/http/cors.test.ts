// CORS behaviour, black box over HTTP: CORS.md §3 (target), §1 (where the two header groups go),
// §6 (examples) and §7 (what a browser relies on), plus the docrest `cors` configuration keys.
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { call, errorBody, scenarios, type Reply, type Scenario, type TestServer } from '../helpers/server.ts';

type Expect = Record<string, string | RegExp | null>;

const ORIGIN = 'https://app.example.com';
const SEED_ALLOW_HEADERS = 'Accept, Accept-Encoding, Authorization, Content-Length, Content-Type, Host, If-Match, Origin, '
  + 'X-Requested-With, User-Agent, No-Auth-Challenge';
const DOC_ALLOW_HEADERS = 'Accept, Accept-Encoding, Authorization, Content-Length, Content-Type, Host, If-Match, If-None-Match, '
  + 'Origin, X-Requested-With, User-Agent, No-Auth-Challenge';
const ALL_METHODS = 'GET, PUT, POST, PATCH, DELETE, OPTIONS';
const SEED_EXPOSE = 'Location, ETag, Auth-Token, Auth-Token-Valid-Until, Auth-Token-Location';
// CORS.md §3: appending X-Powered-By / X-Count-Strategy to Expose-Headers is allowed, nothing else.
const EXPOSE = /^Location, ETag, Auth-Token, Auth-Token-Valid-Until, Auth-Token-Location(, (X-Powered-By|X-Count-Strategy))*$/;
// a comma-separated list of methods (per-resource narrowing of §2.2 is allowed on non-collection resources)
const METHOD_LIST = /^(GET|HEAD|PUT|POST|PATCH|DELETE|OPTIONS)(, (GET|HEAD|PUT|POST|PATCH|DELETE|OPTIONS))*$/;
// every narrowed Allow-Headers list of §2.2 still allows Authorization and Content-Type
const HEADER_LIST = /^(?=.*(^|, )Authorization(, |$))(?=.*(^|, )Content-Type(, |$))[A-Za-z-]+(, [A-Za-z-]+)*$/;
const VARY_ORIGIN = /(^|,)\s*Origin\s*(,|$)/i;
const NO_VARY_ORIGIN = /^(?![\s\S]*origin)/i;
const OID_HEX = /^[0-9a-f]{24}$/;

/** Headers of an OPTIONS answer (CORS.md §3): both groups, Max-Age, no auth challenge, no Location/ETag. */
function preflight(origin: string | undefined, more: Expect = {}): Expect {
  return {
    'Access-Control-Allow-Origin': origin ?? '*',
    'Access-Control-Allow-Credentials': 'true',
    'Access-Control-Expose-Headers': EXPOSE,
    'Access-Control-Allow-Methods': METHOD_LIST,
    'Access-Control-Allow-Headers': HEADER_LIST,
    'Access-Control-Max-Age': '86400',
    'WWW-Authenticate': null,
    Location: null,
    ETag: null,
    Vary: origin ? VARY_ORIGIN : NO_VARY_ORIGIN,
    ...more,
  };
}

/** Headers of any non-OPTIONS service response: the response group only (CORS.md §1). */
function responseGroup(origin: string | undefined, more: Expect = {}): Expect {
  return {
    'Access-Control-Allow-Origin': origin ?? '*',
    'Access-Control-Allow-Credentials': 'true',
    'Access-Control-Expose-Headers': EXPOSE,
    'Access-Control-Allow-Methods': null,
    'Access-Control-Allow-Headers': null,
    'Access-Control-Max-Age': null,
    Vary: origin ? VARY_ORIGIN : NO_VARY_ORIGIN,
    ...more,
  };
}

const NO_CORS: Expect = {
  'Access-Control-Allow-Origin': null,
  'Access-Control-Allow-Credentials': null,
  'Access-Control-Expose-Headers': null,
  'Access-Control-Allow-Methods': null,
  'Access-Control-Allow-Headers': null,
  'Access-Control-Max-Age': null,
  Vary: NO_VARY_ORIGIN,
};

const withOrigin = (h: Record<string, string> = {}) => ({ Origin: ORIGIN, ...h });
const preflightRequest = (method: string, headers = 'authorization, content-type') => withOrigin({
  'Access-Control-Request-Method': method,
  'Access-Control-Request-Headers': headers,
});

async function must(srv: TestServer, method: string, path: string, status: number, body?: unknown): Promise<Reply> {
  const r = await call(srv, method, path, { body });
  assert.equal(r.status, status, `setup ${method} ${path} → ${r.status} ${r.text}`);
  return r;
}

/** Default mount (`/` = db restheart, which exists from the start) with collection `coll`, document `coll/doc1` and `c409`. */
async function seed(srv: TestServer, state: { docEtag?: string } = {}): Promise<void> {
  await must(srv, 'PUT', '/coll', 201);
  const r = await must(srv, 'PUT', '/coll/doc1?wm=upsert', 201, { a: 1 });
  state.docEtag = r.headers.get('etag') ?? undefined;
  await must(srv, 'PUT', '/c409', 201);
}

const accessControlHeaders = (r: Reply) => [...r.headers.keys()].filter((h) => h.startsWith('access-control-')).sort();

describe('CORS: OPTIONS is 200, empty, unauthenticated, on every path (§1, §3, §7.1)', () => {
  const list: Scenario[] = [
    {
      name: 'collection: exact seed lists', method: 'OPTIONS', path: '/coll', headers: preflightRequest('POST'), status: 200,
      expectBody: '', expectHeaders: preflight(ORIGIN, { 'Access-Control-Allow-Methods': ALL_METHODS, 'Access-Control-Allow-Headers': SEED_ALLOW_HEADERS }),
    },
    {
      name: 'document: If-None-Match right after If-Match', method: 'OPTIONS', path: '/coll/doc1', headers: preflightRequest('PATCH'), status: 200,
      expectBody: '', expectHeaders: preflight(ORIGIN, {
        'Access-Control-Allow-Methods': /^GET, PUT, (POST, )?PATCH, DELETE, OPTIONS$/,
        'Access-Control-Allow-Headers': DOC_ALLOW_HEADERS,
      }),
    },
    {
      name: 'missing document: still the document lists', method: 'OPTIONS', path: '/coll/nope', status: 200,
      expectBody: '', expectHeaders: preflight(undefined, { 'Access-Control-Allow-Headers': DOC_ALLOW_HEADERS }),
    },
    {
      name: 'missing collection: no existence check', method: 'OPTIONS', path: '/missing', headers: preflightRequest('GET'), status: 200,
      expectBody: '', expectHeaders: preflight(ORIGIN, { 'Access-Control-Allow-Methods': ALL_METHODS, 'Access-Control-Allow-Headers': SEED_ALLOW_HEADERS }),
    },
    {
      name: 'document of a missing collection', method: 'OPTIONS', path: '/missing/x', headers: preflightRequest('PUT'), status: 200,
      expectBody: '', expectHeaders: preflight(ORIGIN, { 'Access-Control-Allow-Headers': DOC_ALLOW_HEADERS }),
    },
    { name: 'root path /', method: 'OPTIONS', path: '/', headers: preflightRequest('GET'), status: 200, expectBody: '', expectHeaders: preflight(ORIGIN) },
    { name: '/ping', method: 'OPTIONS', path: '/ping', headers: preflightRequest('GET'), status: 200, expectBody: '', expectHeaders: preflight(ORIGIN) },
    { name: '/token', method: 'OPTIONS', path: '/token', headers: preflightRequest('POST'), status: 200, expectBody: '', expectHeaders: preflight(ORIGIN) },
    { name: '/_sessions', method: 'OPTIONS', path: '/_sessions', headers: preflightRequest('POST'), status: 200, expectBody: '', expectHeaders: preflight(ORIGIN) },
    { name: 'collection _size', method: 'OPTIONS', path: '/coll/_size', status: 200, expectBody: '', expectHeaders: preflight(undefined) },
    { name: 'bulk coll/*', method: 'OPTIONS', path: '/coll/*', headers: preflightRequest('DELETE'), status: 200, expectBody: '', expectHeaders: preflight(ORIGIN) },
    {
      name: 'malformed page parameter is not validated', method: 'OPTIONS', path: '/coll?page=abc', headers: preflightRequest('GET'), status: 200,
      expectBody: '', expectHeaders: preflight(ORIGIN, { 'Access-Control-Allow-Methods': ALL_METHODS, 'Access-Control-Allow-Headers': SEED_ALLOW_HEADERS }),
    },
    {
      name: 'malformed filter parameter is not validated', method: 'OPTIONS', path: `/coll?filter=${encodeURIComponent('{bad')}`, status: 200,
      expectBody: '', expectHeaders: preflight(undefined, { 'Access-Control-Allow-Methods': ALL_METHODS, 'Access-Control-Allow-Headers': SEED_ALLOW_HEADERS }),
    },
    {
      name: 'malformed pagesize and id_type together', method: 'OPTIONS', path: '/coll/doc1?pagesize=-1&id_type=nope', headers: preflightRequest('GET'), status: 200,
      expectBody: '', expectHeaders: preflight(ORIGIN, { 'Access-Control-Allow-Headers': DOC_ALLOW_HEADERS }),
    },
    {
      name: 'OPTIONS without credentials is not challenged', method: 'OPTIONS', path: '/coll',
      headers: { ...preflightRequest('PATCH'), Authorization: '' }, status: 200, expectBody: '', expectHeaders: preflight(ORIGIN),
    },
    {
      name: 'Content-Length is 0 (§6)', method: 'OPTIONS', path: '/coll/doc1', headers: preflightRequest('PATCH'), status: 200,
      expectBody: '', expectHeaders: { 'Content-Length': '0' },
    },
  ];
  scenarios({ setup: (srv) => seed(srv) }, list);
});

describe('CORS: the seed example verbatim (§2.1, mount what:"*")', () => {
  scenarios({
    rho: '/mongo/mongo-mounts[1]->{"what":"*","where":"/"}',
    setup: async (srv) => {
      await must(srv, 'PUT', '/test', 201);
      await must(srv, 'PUT', '/test/coll', 201);
    },
  }, [
    {
      name: 'OPTIONS /test/coll without Origin', method: 'OPTIONS', path: '/test/coll', status: 200, expectBody: '',
      expectHeaders: {
        'Access-Control-Allow-Credentials': 'true',
        'Access-Control-Allow-Headers': SEED_ALLOW_HEADERS,
        'Access-Control-Allow-Methods': ALL_METHODS,
        'Access-Control-Allow-Origin': '*',
        'Access-Control-Expose-Headers': EXPOSE,
        'Access-Control-Max-Age': '86400',
        Vary: null,
      },
      check: (r) => {
        assert.deepEqual(accessControlHeaders(r), [
          'access-control-allow-credentials', 'access-control-allow-headers', 'access-control-allow-methods',
          'access-control-allow-origin', 'access-control-expose-headers', 'access-control-max-age',
        ]);
        assert.ok(r.headers.get('access-control-expose-headers')!.startsWith(SEED_EXPOSE));
      },
    },
    {
      name: 'OPTIONS on a missing db (no existence check)', method: 'OPTIONS', path: '/nodb/nocoll', status: 200, expectBody: '',
      expectHeaders: preflight(undefined, { 'Access-Control-Allow-Methods': ALL_METHODS, 'Access-Control-Allow-Headers': SEED_ALLOW_HEADERS }),
    },
    { name: 'OPTIONS on the root (list of dbs)', method: 'OPTIONS', path: '/', status: 200, expectBody: '', expectHeaders: preflight(undefined) },
    { name: 'OPTIONS on a db', method: 'OPTIONS', path: '/test', headers: withOrigin(), status: 200, expectBody: '', expectHeaders: preflight(ORIGIN) },
  ]);
});

describe('CORS: Origin echo and Vary (§3, §5.7, §6)', () => {
  scenarios({ setup: (srv) => seed(srv) }, [
    {
      name: '§6 preflight for a JSON PATCH with If-Match', method: 'OPTIONS', path: '/coll/doc1',
      headers: preflightRequest('PATCH', 'authorization, content-type, if-match'), status: 200, expectBody: '',
      expectHeaders: {
        'Access-Control-Allow-Origin': ORIGIN,
        'Access-Control-Allow-Credentials': 'true',
        'Access-Control-Allow-Methods': /^GET, PUT, (POST, )?PATCH, DELETE, OPTIONS$/,
        'Access-Control-Allow-Headers': DOC_ALLOW_HEADERS,
        'Access-Control-Expose-Headers': EXPOSE,
        'Access-Control-Max-Age': '86400',
        Vary: 'Origin',
        'Content-Length': '0',
      },
    },
    {
      name: 'request headers/method are not echoed back (fixed lists)', method: 'OPTIONS', path: '/coll',
      headers: preflightRequest('PATCH', 'x-custom'), status: 200, expectBody: '',
      expectHeaders: preflight(ORIGIN, { 'Access-Control-Allow-Methods': ALL_METHODS, 'Access-Control-Allow-Headers': SEED_ALLOW_HEADERS }),
    },
    {
      name: 'another origin is echoed verbatim', method: 'OPTIONS', path: '/coll', headers: { Origin: 'http://localhost:3000', 'Access-Control-Request-Method': 'GET' },
      status: 200, expectBody: '', expectHeaders: preflight('http://localhost:3000'),
    },
    {
      name: 'GET with Origin: echoed, Vary: Origin', method: 'GET', path: '/coll', headers: withOrigin(), status: 200,
      expectHeaders: responseGroup(ORIGIN),
    },
    {
      name: 'GET without Origin (server-side client): *, no Vary: Origin', method: 'GET', path: '/coll', status: 200,
      expectHeaders: responseGroup(undefined),
    },
    {
      name: 'Origin "null" (sandboxed page) is echoed verbatim', method: 'GET', path: '/coll/doc1', headers: { Origin: 'null' }, status: 200,
      expectHeaders: responseGroup('null'),
    },
  ]);
});

describe('CORS: response group on every status, no preflight group outside OPTIONS (§1, §7)', () => {
  const state: { docEtag?: string } = {};
  scenarios({ setup: (srv) => seed(srv, state) }, [
    { name: 'GET collection 200', method: 'GET', path: '/coll', headers: withOrigin(), status: 200, expectHeaders: responseGroup(ORIGIN) },
    {
      name: 'GET document 200 (ETag readable)', method: 'GET', path: '/coll/doc1', headers: withOrigin(), status: 200,
      expectHeaders: responseGroup(ORIGIN, { ETag: OID_HEX }),
    },
    { name: 'GET db (default mount /) 200', method: 'GET', path: '/', status: 200, expectHeaders: responseGroup(undefined) },
    {
      name: 'POST document 201 (Location and ETag readable)', method: 'POST', path: '/coll', headers: withOrigin(), body: { b: 2 }, status: 201,
      expectBody: '', expectHeaders: responseGroup(ORIGIN, { Location: /^http:\/\/127\.0\.0\.1:\d+\/coll\/[0-9a-f]{24}$/, ETag: OID_HEX }),
    },
    { name: 'PUT collection 201', method: 'PUT', path: '/coll2', headers: withOrigin(), status: 201, expectBody: '', expectHeaders: responseGroup(ORIGIN) },
    {
      name: 'PUT document 201 (upsert)', method: 'PUT', path: '/coll2/x?wm=upsert', headers: withOrigin(), body: { a: 1 }, status: 201, expectBody: '',
      expectHeaders: responseGroup(ORIGIN, { ETag: OID_HEX }),
    },
    { name: 'DELETE document 204', method: 'DELETE', path: '/coll2/x', headers: withOrigin(), status: 204, expectBody: '', expectHeaders: responseGroup(ORIGIN) },
    {
      name: 'DELETE missing document 404 (no body)', method: 'DELETE', path: '/coll2/x', headers: withOrigin(), status: 404, expectBody: '',
      expectHeaders: responseGroup(ORIGIN),
    },
    {
      name: 'PATCH document 200', method: 'PATCH', path: '/coll/doc1', headers: withOrigin(), body: { c: 3 }, status: 200, expectBody: '',
      expectHeaders: responseGroup(ORIGIN, { ETag: OID_HEX }),
      check: (r) => { state.docEtag = r.headers.get('etag') ?? undefined; },
    },
    {
      name: 'GET document 304 (If-None-Match)', method: 'GET', path: '/coll/doc1', status: 304, expectBody: '',
      get headers() { return withOrigin({ 'If-None-Match': state.docEtag ?? 'unset' }); },
      expectHeaders: responseGroup(ORIGIN),
    },
    {
      name: '400 bad filter', method: 'GET', path: `/coll?filter=${encodeURIComponent('{bad')}`, headers: withOrigin(), status: 400,
      expectHeaders: responseGroup(ORIGIN),
      check: (r) => {
        const b = r.json();
        assert.equal(b['http status code'], 400);
        assert.equal(b['http status description'], 'Bad Request');
        assert.match(b.message, /^illegal filter parameter: \{bad, /);
      },
    },
    {
      name: '400 page not a number', method: 'GET', path: '/coll?page=abc', status: 400, expectHeaders: responseGroup(undefined),
      expectBodyPartial: { message: 'illegal page parameter, it is not a number' },
    },
    {
      name: '404 missing document', method: 'GET', path: '/coll/nope', headers: withOrigin(), status: 404,
      expectBody: errorBody(404, 'Not Found', "document 'nope' does not exist"), expectHeaders: responseGroup(ORIGIN),
    },
    {
      name: '404 missing collection', method: 'GET', path: '/nocoll', headers: withOrigin(), status: 404,
      expectBody: errorBody(404, 'Not Found', "Collection 'nocoll' does not exist"), expectHeaders: responseGroup(ORIGIN),
    },
    {
      name: '405 HEAD on a collection', method: 'HEAD', path: '/coll', headers: withOrigin(), status: 405, expectBody: '',
      expectHeaders: responseGroup(ORIGIN),
    },
    {
      name: '405 POST on coll/_size', method: 'POST', path: '/coll/_size', headers: withOrigin(), body: {}, status: 405,
      expectBody: errorBody(405, 'Method Not Allowed', 'method POST not allowed'), expectHeaders: responseGroup(ORIGIN),
    },
    {
      name: '409 DELETE collection without If-Match', method: 'DELETE', path: '/c409', headers: withOrigin(), status: 409,
      expectBody: errorBody(409, 'Conflict', "The collection's ETag must be provided using the 'If-Match' header."),
      expectHeaders: responseGroup(ORIGIN, { ETag: OID_HEX }),
    },
    {
      name: '412 PATCH document with a wrong If-Match', method: 'PATCH', path: '/coll/doc1', body: { d: 4 }, status: 412, expectBody: '',
      headers: withOrigin({ 'If-Match': '000000000000000000000000' }), expectHeaders: responseGroup(ORIGIN, { ETag: OID_HEX }),
    },
    {
      name: '415 text/plain POST (simple request)', method: 'POST', path: '/coll', headers: withOrigin({ 'Content-Type': 'text/plain' }), body: 'hello',
      status: 415, expectBody: errorBody(415, 'Unsupported Media Type', 'Content-Type must be either: application/json or application/hal+json'),
      expectHeaders: responseGroup(ORIGIN),
    },
    { name: '/ping GET 200', method: 'GET', path: '/ping', headers: withOrigin(), status: 200, expectHeaders: responseGroup(ORIGIN) },
    { name: '501 POST /ping (API.md §13)', method: 'POST', path: '/ping', headers: withOrigin(), body: {}, status: 501, expectHeaders: responseGroup(ORIGIN) },
    {
      name: 'bulk DELETE without filter 400', method: 'DELETE', path: '/coll/*', headers: withOrigin(), status: 400,
      expectBody: errorBody(400, 'Bad Request', 'filter parameter is mandatory for bulk write requests'), expectHeaders: responseGroup(ORIGIN),
    },
    {
      name: 'bulk POST 200', method: 'POST', path: '/coll', headers: withOrigin(), body: [{ _id: 'b1' }, { _id: 'b2' }], status: 200,
      expectHeaders: responseGroup(ORIGIN, { ETag: OID_HEX }),
    },
    {
      name: 'bulk POST with a duplicate 207', method: 'POST', path: '/coll', headers: withOrigin(), body: [{ _id: 'b1' }, { _id: 'b3' }], status: 207,
      expectHeaders: responseGroup(ORIGIN),
    },
  ]);
});

describe('CORS: 413 oversized body (docrest.max-body-size)', () => {
  scenarios({ rho: '/docrest/max-body-size->100', setup: (srv) => seed(srv) }, [
    {
      name: 'small body still accepted', method: 'POST', path: '/coll', headers: withOrigin(), body: { x: 1 }, status: 201,
      expectHeaders: responseGroup(ORIGIN),
    },
    {
      name: '413 with the response group', method: 'POST', path: '/coll', headers: withOrigin(), body: { x: 'y'.repeat(500) }, status: 413,
      expectHeaders: responseGroup(ORIGIN),
      check: (r) => assert.equal(r.json()['http status code'], 413),
    },
  ]);
});

describe('CORS: a path no mount handles (mount /api only)', () => {
  scenarios({ rho: '/mongo/mongo-mounts[1]->{"what":"/restheart","where":"/api"}' }, [
    {
      name: 'OPTIONS on a path matching nothing is 200 with preflight headers', method: 'OPTIONS', path: '/nothing/here',
      headers: preflightRequest('GET'), status: 200, expectBody: '', expectHeaders: preflight(ORIGIN),
    },
    {
      name: 'OPTIONS on a path matching nothing, malformed query', method: 'OPTIONS', path: '/nothing?page=abc&filter=%7Bbad', status: 200,
      expectBody: '', expectHeaders: preflight(undefined),
    },
    {
      // CORS.md §1 leaves CORS headers on the bare 502 unspecified for docrest (RESTHeart sends none),
      // so only the status and the error body are pinned here.
      name: 'GET on a path matching nothing is 502', method: 'GET', path: '/other', status: 502,
      expectBody: errorBody(502, 'Bad Gateway', 'No MongoDB resource bound for /other'),
    },
  ]);
});

describe('CORS config: max-age', () => {
  scenarios({ rho: '/cors/max-age->0', setup: (srv) => seed(srv) }, [
    {
      name: 'max-age 0 → no Access-Control-Max-Age', method: 'OPTIONS', path: '/coll', headers: preflightRequest('PATCH'), status: 200, expectBody: '',
      expectHeaders: preflight(ORIGIN, { 'Access-Control-Max-Age': null, 'Access-Control-Allow-Methods': ALL_METHODS, 'Access-Control-Allow-Headers': SEED_ALLOW_HEADERS }),
    },
  ]);
});

describe('CORS config: max-age null', () => {
  scenarios({ rho: '/cors/max-age->null' }, [
    {
      name: 'max-age null → no Access-Control-Max-Age', method: 'OPTIONS', path: '/coll', status: 200, expectBody: '',
      expectHeaders: preflight(undefined, { 'Access-Control-Max-Age': null }),
    },
  ]);
});

describe('CORS config: custom max-age', () => {
  scenarios({ rho: '/cors/max-age->600' }, [
    { name: 'max-age 600', method: 'OPTIONS', path: '/coll', status: 200, expectBody: '', expectHeaders: preflight(undefined, { 'Access-Control-Max-Age': '600' }) },
    { name: 'never on non-OPTIONS', method: 'GET', path: '/ping', status: 200, expectHeaders: responseGroup(undefined) },
  ]);
});

describe('CORS config: extra-allow-headers', () => {
  scenarios({ rho: '/cors/extra-allow-headers->["X-Custom"]' }, [
    {
      name: 'collection: seed list + X-Custom', method: 'OPTIONS', path: '/coll', headers: preflightRequest('POST', 'x-custom'), status: 200, expectBody: '',
      expectHeaders: preflight(ORIGIN, { 'Access-Control-Allow-Headers': `${SEED_ALLOW_HEADERS}, X-Custom`, 'Access-Control-Allow-Methods': ALL_METHODS }),
    },
    {
      name: 'document: If-None-Match inserted, X-Custom kept', method: 'OPTIONS', path: '/coll/doc', status: 200, expectBody: '',
      expectHeaders: preflight(undefined, { 'Access-Control-Allow-Headers': `${DOC_ALLOW_HEADERS}, X-Custom` }),
    },
  ]);
});

describe('CORS config: allow-origin "*"', () => {
  scenarios({ rho: '/cors/allow-origin->"*"', setup: (srv) => seed(srv) }, [
    {
      name: 'OPTIONS with Origin: * and no Vary: Origin', method: 'OPTIONS', path: '/coll', headers: preflightRequest('GET'), status: 200, expectBody: '',
      expectHeaders: { ...preflight(undefined), Vary: NO_VARY_ORIGIN },
    },
    {
      name: 'GET with Origin: * and no Vary: Origin', method: 'GET', path: '/coll', headers: withOrigin(), status: 200,
      expectHeaders: { ...responseGroup(undefined), Vary: NO_VARY_ORIGIN },
    },
    {
      name: 'error with Origin: *', method: 'GET', path: '/coll/nope', headers: withOrigin(), status: 404,
      expectHeaders: { ...responseGroup(undefined), Vary: NO_VARY_ORIGIN },
    },
  ]);
});

describe('CORS config: enabled false', () => {
  scenarios({ rho: '/cors/enabled->false', setup: (srv) => seed(srv) }, [
    { name: 'OPTIONS: no CORS headers at all', method: 'OPTIONS', path: '/coll', headers: preflightRequest('PATCH'), status: 200, expectBody: '', expectHeaders: NO_CORS },
    { name: 'GET 200: no CORS headers', method: 'GET', path: '/coll', headers: withOrigin(), status: 200, expectHeaders: NO_CORS },
    { name: 'GET 404: no CORS headers', method: 'GET', path: '/coll/nope', headers: withOrigin(), status: 404, expectHeaders: NO_CORS },
    {
      name: 'POST 201: no CORS headers', method: 'POST', path: '/coll', headers: withOrigin(), body: { a: 1 }, status: 201,
      expectHeaders: NO_CORS,
      check: (r) => assert.deepEqual(accessControlHeaders(r), []),
    },
  ]);
});

describe('CORS config: expose-headers and extra-expose-headers', () => {
  scenarios({ rho: '/cors/expose-headers->"Location, X-Foo";/cors/extra-expose-headers->["X-Bar"]', setup: (srv) => seed(srv) }, [
    { name: 'GET: custom Expose-Headers', method: 'GET', path: '/coll', status: 200, expectHeaders: responseGroup(undefined, { 'Access-Control-Expose-Headers': 'Location, X-Foo, X-Bar' }) },
    { name: 'OPTIONS: custom Expose-Headers', method: 'OPTIONS', path: '/coll', status: 200, expectBody: '', expectHeaders: preflight(undefined, { 'Access-Control-Expose-Headers': 'Location, X-Foo, X-Bar' }) },
  ]);
});

describe('CORS config: allow-methods, allow-headers, allow-credentials, vary-origin', () => {
  scenarios({
    rho: '/cors/allow-methods->"GET, POST";/cors/allow-headers->"Authorization, If-Match, Content-Type";/cors/allow-credentials->false;/cors/vary-origin->false',
  }, [
    {
      name: 'collection preflight uses the configured lists', method: 'OPTIONS', path: '/coll', headers: preflightRequest('GET'), status: 200, expectBody: '',
      expectHeaders: {
        ...preflight(ORIGIN), 'Access-Control-Allow-Methods': 'GET, POST', 'Access-Control-Allow-Headers': 'Authorization, If-Match, Content-Type',
        'Access-Control-Allow-Credentials': null, Vary: NO_VARY_ORIGIN,
      },
    },
    {
      name: 'document preflight inserts If-None-Match after If-Match', method: 'OPTIONS', path: '/coll/d', status: 200, expectBody: '',
      expectHeaders: { 'Access-Control-Allow-Headers': 'Authorization, If-Match, If-None-Match, Content-Type', 'Access-Control-Allow-Credentials': null },
    },
  ]);
});
