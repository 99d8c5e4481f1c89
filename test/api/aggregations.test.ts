// Aggregations (API.md §9.1, §16.2; CONFIG.md aggregationSecurity, mongo.aggregation-time-limit):
// definitions in collection metadata, variables, security, errors, representations; on the
// embedded engine and on the MongoDB engine through the wire shim.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WireShim } from '../engine/wire/shim.ts';
import { call, checkScenario, errorBody, startServer, type Reply, type Scenario, type TestServer } from '../helpers/server.ts';

const enc = encodeURIComponent;
const avars = (v: unknown) => `avars=${enc(typeof v === 'string' ? v : JSON.stringify(v))}`;
const BOB = { Authorization: `Basic ${Buffer.from('bob:bobpw').toString('base64')}` };

const SALES = [
  { _id: 1, region: 'EU', status: 'done', amount: 100.5, price: 10.0, owner: 'bob' },
  { _id: 2, region: 'US', status: 'done', amount: 80, price: 20.0, owner: 'ann' },
  { _id: 3, region: 'EU', status: 'open', amount: 30, price: 10.0, owner: 'bob' },
  { _id: 4, region: 'US', status: 'done', amount: 20, price: 5.5, owner: 'ann' },
  { _id: 5, region: 'APAC', status: 'done', amount: 1, price: 1.0, owner: 'cy' },
];

const AGGRS = [
  {
    uri: 'by-region', type: 'pipeline',
    stages: [{ $match: { status: { $var: 'status' } } }, { $group: { _id: '$region', total: { $sum: '$amount' } } }, { $sort: { _id: 1 } }],
  },
  { uri: 'defaulted', stages: [{ $match: { status: { $var: ['status', 'open'] } } }, { $project: { _id: 1 } }] },
  { uri: 'dotted', stages: [{ $sort: { _id: 1 } }, { $limit: { $var: 'cfg.limit' } }, { $project: { _id: 1 } }] },
  { uri: 'ifvar', stages: [{ $ifvar: ['region', { $match: { region: { $var: 'region' } } }] }, { $count: 'n' }] },
  { uri: 'ifvar-all', stages: [{ $ifvar: [['region', 'status'], { $match: { region: { $var: 'region' }, status: { $var: 'status' } } }] }, { $count: 'n' }] },
  { uri: 'ifvar-else', stages: [{ $ifvar: ['region', { $match: { region: { $var: 'region' } } }, { $match: { region: 'APAC' } }] }, { $project: { _id: 1 } }] },
  { uri: 'paged', stages: [{ $sort: { _id: 1 } }, { $skip: { $var: '@skip' } }, { $limit: { $var: '@limit' } }, { $project: { _id: 1 } }] },
  {
    uri: 'who', stages: [{ $limit: 1 }, {
      $project: {
        _id: 0, user: { $literal: { $var: '@user' } }, name: { $literal: { $var: '@user._id' } }, page: { $literal: { $var: '@page' } },
        pagesize: { $literal: { $var: '@pagesize' } }, perms: { $literal: { $var: '@mongoPermissions' } },
      },
    }],
  },
  { uri: 'mine', stages: [{ $match: { $var: '@mongoPermissions.readFilter' } }, { $project: { _id: 1 } }] },
  { uri: 'fixed-vars', stages: [{ $limit: 1 }, { $project: { _id: 0, p: { $literal: { $var: '@page' } } } }] },
  { uri: 'types', stages: [{ $match: { _id: 1 } }, { $project: { price: 1, amount: 1 } }] },
  {
    uri: 'computed-types',
    stages: [{ $match: { region: { $in: ['EU', 'US'] } } }, { $group: { _id: '$region', price: { $sum: '$price' }, amount: { $avg: '$amount' }, n: { $sum: 1 } } }, { $sort: { _id: 1 } }],
  },
  {
    uri: 'decimal', stages: [{ $match: { _id: 1 } }, {
      $project: { _id: 0, total: { $add: [{ $toDecimal: '1.10' }, { $toDecimal: '2.20' }] }, third: { $divide: [{ $toDecimal: '1' }, 3] }, p: { $toDecimal: '$price' } },
    }],
  },
  { uri: 'empty', stages: [{ $match: { status: 'nothing' } }] },
  { uri: 'unknown-stage', stages: [{ $nosuchstage: {} }] },
  { uri: 'unknown-op', stages: [{ $project: { x: { $nosuchop: '$amount' } } }] },
  { uri: 'var-as-operator', stages: [{ $match: { amount: { $var: 'x', $gt: 1 } } }] },
  { uri: 'lookup', stages: [{ $lookup: { from: 'regions', localField: 'region', foreignField: '_id', as: 'r' } }] },
  { uri: 'facet-lookup', stages: [{ $facet: { a: [{ $lookup: { from: 'regions', localField: 'region', foreignField: '_id', as: 'r' } }] } }] },
  { uri: 'out', stages: [{ $match: { region: 'EU' } }, { $out: 'eu' }] },
  { uri: 'where', stages: [{ $match: { $where: 'true' } }] },
  { uri: 'function', stages: [{ $project: { x: { $function: { body: 'function() { return 1 }', args: [], lang: 'js' } } } }] },
  { uri: 'cross-db', stages: [{ $lookup: { from: 'other.regions', localField: 'region', foreignField: '_id', as: 'r' } }] },
  { uri: 'cross-db-out', stages: [{ $out: { db: 'otherdb', coll: 'x' } }] },
  { uri: 'users-lookup', stages: [{ $lookup: { from: 'users', localField: 'owner', foreignField: '_id', as: 'u' } }] },
  { uri: 'acl-merge', stages: [{ $project: { _id: 1 } }, { $merge: { into: 'acl' } }] },
];

async function must(srv: TestServer, method: string, path: string, body?: unknown, ok = [200, 201]): Promise<Reply> {
  const r = await call(srv, method, path, { body });
  assert.ok(ok.includes(r.status), `${method} ${path} → ${r.status} ${r.text}`);
  return r;
}

async function seed(srv: TestServer): Promise<void> {
  await must(srv, 'PUT', '/sales', { aggrs: AGGRS });
  // JSON.stringify writes 10.0 as 10: the prices are sent as doubles
  await must(srv, 'POST', '/sales', JSON.stringify(SALES).replace(/"price":(\d+)([,}])/g, '"price":$1.0$2'));
  await must(srv, 'PUT', '/regions');
  await must(srv, 'POST', '/regions', [{ _id: 'EU', name: 'Europe' }, { _id: 'US', name: 'United States' }]);
  await must(srv, 'POST', '/users', { _id: 'bob', password: 'bobpw', roles: ['seller'] });
  await must(srv, 'POST', '/acl', { _id: 'sellers', roles: ['seller'], predicate: "method(GET) and path-prefix('/sales')", mongo: { readFilter: { owner: '@user._id' } } });
}

const get = (name: string, path: string, status: number, more: Partial<Scenario> = {}): Scenario => ({ name, method: 'GET', path, status, ...more });
const ids = (expected: unknown[]) => (r: Reply) => assert.deepEqual(r.json().map((d: { _id: unknown }) => d._id), expected);
const failsWith = (status: number, description: string, message: string, detail?: RegExp) => (r: Reply) => {
  const { exception: _e, 'exception message': m, ...body } = r.json();
  assert.deepEqual(body, errorBody(status, description, message));
  if (detail) assert.match(JSON.stringify(m), detail);
};
const SECURITY = (detail: RegExp) => (r: Reply) => {
  assert.equal(r.json().message.startsWith('aggregation pipeline security violation: Security violation: '), true, r.text);
  assert.match(r.json().message, detail);
};

/** Definitions, variables, errors and representations: the same on both engines. */
const COMMON: Scenario[] = [
  // ---- definitions, checked when written
  { name: 'aggrs not an array → 422', method: 'PUT', path: '/bad1', body: { aggrs: { uri: 'x' } }, status: 422, check: failsWith(422, 'Unprocessable Entity', 'unknown query type') },
  { name: 'stages not an array → 422', method: 'PUT', path: '/bad2', body: { aggrs: [{ uri: 'x', stages: { $match: {} } }] }, status: 422, check: failsWith(422, 'Unprocessable Entity', 'unknown query type', /stages/) },
  { name: 'a stage not an object → 422', method: 'PUT', path: '/bad3', body: { aggrs: [{ uri: 'x', stages: ['$match'] }] }, status: 422 },
  { name: 'missing uri → 422', method: 'PUT', path: '/bad4', body: { aggrs: [{ stages: [] }] }, status: 422, check: failsWith(422, 'Unprocessable Entity', 'unknown query type', /uri/) },
  { name: 'map-reduce (removed in RESTHeart 9) → 422', method: 'PATCH', path: '/sales', body: { aggrs: [{ uri: 'mr', type: 'mapReduce', map: 'function(){}', reduce: 'function(){}' }] }, status: 422, check: failsWith(422, 'Unprocessable Entity', 'unknown query type', /mapReduce/) },
  { name: 'allowDiskUse not a boolean → 422', method: 'PUT', path: '/bad5', body: { aggrs: [{ uri: 'x', stages: [], allowDiskUse: 'yes' }] }, status: 422 },
  { name: 'a malformed $ifvar → 422 invalid aggregation', method: 'PUT', path: '/bad6', body: { aggrs: [{ uri: 'x', stages: [{ $ifvar: ['v'] }] }] }, status: 422, check: failsWith(422, 'Unprocessable Entity', 'invalid aggregation', /optional stage/) },
  { name: 'a $var naming no variable → 422 invalid aggregation', method: 'PUT', path: '/bad7', body: { aggrs: [{ uri: 'x', stages: [{ $match: { a: { $var: { $gt: 1 } } } }] }] }, status: 422, check: failsWith(422, 'Unprocessable Entity', 'invalid aggregation') },
  get('an invalid definition created nothing', '/bad1', 404),
  get('the failed PATCH left the definitions', '/sales/_aggrs/empty', 200, { expectBody: [] }),
  {
    name: '_meta shows the definitions as written ($ keys and dotted keys unescaped)', method: 'GET', path: '/sales/_meta', status: 200,
    check: (r) => assert.deepEqual(r.json().aggrs, AGGRS),
  },
  {
    name: 'GET /sales?rep=hal links each aggregation', method: 'GET', path: '/sales?rep=hal&pagesize=0', status: 200,
    check: (r) => assert.deepEqual(r.json()._links['by-region'], { href: '/sales/_aggrs/by-region' }),
  },
  // ---- running
  get('by-region with avars', `/sales/_aggrs/by-region?${avars({ status: 'done' })}`, 200, { expectBody: [{ _id: 'APAC', total: 1 }, { _id: 'EU', total: 100.5 }, { _id: 'US', total: 100 }] }),
  get('unknown uri → 404 query does not exist', '/sales/_aggrs/nope', 404, { expectBody: errorBody(404, 'Not Found', 'query does not exist') }),
  get('missing collection → 404', '/nocoll/_aggrs/x', 404, { expectBody: errorBody(404, 'Not Found', "Collection 'nocoll' does not exist") }),
  get('unbound variable → 400 cannot execute aggregation', '/sales/_aggrs/by-region', 400, { check: failsWith(400, 'Bad Request', 'cannot execute aggregation', /variable status not bound/) }),
  get('$var default when unbound', '/sales/_aggrs/defaulted', 200, { check: ids([3]) }),
  get('$var default overridden', `/sales/_aggrs/defaulted?${avars({ status: 'done' })}`, 200, { check: ids([1, 2, 4, 5]) }),
  get('$var dot path into avars', `/sales/_aggrs/dotted?${avars({ cfg: { limit: 2 } })}`, 200, { check: ids([1, 2]) }),
  get('$ifvar: stage kept when the variable is bound', `/sales/_aggrs/ifvar?${avars({ region: 'EU' })}`, 200, { expectBody: [{ n: 2 }] }),
  get('$ifvar: stage dropped when it is not', '/sales/_aggrs/ifvar', 200, { expectBody: [{ n: 5 }] }),
  get('$ifvar with a list: all bound', `/sales/_aggrs/ifvar-all?${avars({ region: 'EU', status: 'open' })}`, 200, { expectBody: [{ n: 1 }] }),
  get('$ifvar with a list: one missing drops the stage', `/sales/_aggrs/ifvar-all?${avars({ region: 'EU' })}`, 200, { expectBody: [{ n: 5 }] }),
  get('$ifvar else stage', '/sales/_aggrs/ifvar-else', 200, { check: ids([5]) }),
  get('$ifvar then stage', `/sales/_aggrs/ifvar-else?${avars({ region: 'US' })}`, 200, { check: (r) => assert.deepEqual(r.json().map((d: { _id: number }) => d._id).sort(), [2, 4]) }),
  get('@skip and @limit from page and pagesize', '/sales/_aggrs/paged?page=2&pagesize=2', 200, { check: ids([3, 4]) }),
  get('results are not paged by the server', '/sales/_aggrs/defaulted?pagesize=1&status=x', 200, { check: ids([3]) }),
  {
    ...get('@user (no password), @page, @pagesize, @mongoPermissions', '/sales/_aggrs/who?page=3&pagesize=7', 200),
    check: (r) => {
      const [out] = r.json();
      assert.equal(out.name, 'admin');
      assert.equal(out.user._id, 'admin');
      assert.deepEqual(out.user.roles, ['admin']);
      assert.equal(out.user.password, undefined);
      assert.equal(out.page, 3);
      assert.equal(out.pagesize, 7);
      assert.deepEqual(Object.keys(out.perms).sort(), ['allowBulkDelete', 'allowBulkPatch', 'allowManagementRequests', 'allowWriteMode', 'readFilter', 'writeFilter']);
    },
  },
  get('predefined variables cannot be overridden by avars', `/sales/_aggrs/fixed-vars?${avars({ '@page': 9 })}`, 200, { expectBody: [{ p: 1 }] }),
  get('@mongoPermissions.readFilter: the ACL readFilter, its variables resolved', '/sales/_aggrs/mine', 200, { headers: BOB, check: (r) => assert.deepEqual(r.json().map((d: { _id: number }) => d._id).sort(), [1, 3]) }),
  get('the ACL readFilter is not applied to aggregations by itself', `/sales/_aggrs/defaulted?${avars({ status: 'done' })}`, 200, { headers: BOB, check: ids([1, 2, 4, 5]) }),
  get('BSON types pass through (10.0 stays a double), fields in document order', '/sales/_aggrs/types', 200, { check: (r) => assert.equal(r.text, '[{"_id":1,"amount":100.5,"price":10.0}]') }),
  get('computed numbers have MongoDB\'s types: a $sum of doubles is a double (20.0), an $avg of ints too (50.0), a count an int', '/sales/_aggrs/computed-types', 200, {
    check: (r) => assert.equal(r.text, '[{"_id":"EU","price":20.0,"amount":65.25,"n":2},{"_id":"US","price":25.5,"amount":50.0,"n":2}]'),
  }),
  get('Decimal128 arithmetic is exact', '/sales/_aggrs/decimal', 200, {
    check: (r) => assert.equal(r.text, '[{"total":{"$numberDecimal":"3.30"},"third":{"$numberDecimal":"0.3333333333333333333333333333333333"},"p":{"$numberDecimal":"10.0000000000000"}}]'),
  }),
  // ---- bad input
  get('avars not JSON → 400', '/sales/_aggrs/ifvar?avars=%7Bnope', 400, { expectBody: errorBody(400, 'Bad Request', 'illegal avars parameter, it is not a json object: {nope') }),
  get('avars are checked before the definition is looked up (400, not 404)', '/sales/_aggrs/nope?avars=%7Bnope', 400),
  get('avars an array → 400', `/sales/_aggrs/ifvar?${avars('[1]')}`, 400, { expectBody: errorBody(400, 'Bad Request', 'illegal avars parameter, it is not a json object: [1]') }),
  get('avars empty → 400', '/sales/_aggrs/ifvar?avars=', 400, { expectBody: errorBody(400, 'Bad Request', 'Illegal avars parameter (empty)') }),
  get('an operator inside avars → 400', `/sales/_aggrs/by-region?${avars({ status: { $ne: 'x' } })}`, 400, { check: failsWith(400, 'Bad Request', "illegal avars parameter: {'status':{'$ne':'x'}}") }),
  get('an operator nested in an avars array → 400', `/sales/_aggrs/by-region?${avars({ status: [{ a: { $gt: 1 } }] })}`, 400),
  get('unknown stage → 422 naming it', '/sales/_aggrs/unknown-stage', 422, { check: failsWith(422, 'Unprocessable Entity', 'error executing aggregation', /\$nosuchstage/) }),
  get('unknown operator → 422 naming it', '/sales/_aggrs/unknown-op', 422, { check: failsWith(422, 'Unprocessable Entity', 'error executing aggregation', /\$nosuchop/) }),
  get('$var beside an operator is no variable: the engine refuses $var → 422', `/sales/_aggrs/var-as-operator?${avars({ x: 1 })}`, 422, { check: failsWith(422, 'Unprocessable Entity', 'error executing aggregation', /\$var/) }),
  // ---- security, defaults
  get('$lookup is blacklisted by default → 403', '/sales/_aggrs/lookup', 403, { check: SECURITY(/BLACKLISTED_STAGE operator '\$lookup' at pipeline\[0\]/) }),
  get('a blacklisted stage nested in $facet → 403', '/sales/_aggrs/facet-lookup', 403, { check: SECURITY(/BLACKLISTED_STAGE operator '\$lookup' at pipeline\[0\]\.\$facet\.a\[0\]/) }),
  get('$out is blacklisted by default → 403', '/sales/_aggrs/out', 403, { check: SECURITY(/'\$out'/) }),
  get('$where → 403', '/sales/_aggrs/where', 403, { check: SECURITY(/BLACKLISTED_OPERATOR operator '\$where'/) }),
  get('$function → 403', '/sales/_aggrs/function', 403, { check: SECURITY(/BLACKLISTED_OPERATOR operator '\$function'/) }),
  // ---- representations
  {
    ...get('rep=hal: _returned and rh:result', `/sales/_aggrs/by-region?rep=hal&${avars({ status: 'open' })}`, 200),
    expectHeaders: { 'content-type': /application\/hal\+json/ },
    expectBody: { _returned: 1, _embedded: { 'rh:result': [{ _id: 'EU', total: 30 }] } },
  },
  get('rep=hal, empty: _size 0', '/sales/_aggrs/empty?rep=hal', 200, { expectBody: { _size: 0, _returned: 0 } }),
  get('rep=hal&hal=f: self and rh:collection links', '/sales/_aggrs/empty?rep=hal&hal=f', 200, {
    expectBody: { _size: 0, _returned: 0, _links: { self: { href: '/sales/_aggrs/empty?rep=hal&hal=f' }, 'rh:collection': { href: '/sales' } } },
  }),
  get('rep=shal: a flat _embedded', '/sales/_aggrs/defaulted?rep=shal', 200, { expectBody: { _returned: 1, _embedded: [{ _id: 3 }] } }),
  get('rep=pj&np: the bare array', '/sales/_aggrs/defaulted?rep=pj&np', 200, { expectBody: [{ _id: 3 }] }),
];

/** Security relaxed: $lookup, $out allowed, no operator blacklist; cross-db and JavaScript still banned. */
const RELAXED_RHO = '/aggregationSecurity/stageBlacklist->[];/aggregationSecurity/operatorBlacklist->[]';
const RELAXED: Scenario[] = [
  get('$lookup within the database when allowed', '/sales/_aggrs/lookup', 200, {
    check: (r) => assert.deepEqual(r.json().map((d: { _id: number; r: Array<{ name: string }> }) => [d._id, d.r.map((x) => x.name)]).sort(), [[1, ['Europe']], [2, ['United States']], [3, ['Europe']], [4, ['United States']], [5, []]]),
  }),
  get('$lookup into another database → 403', '/sales/_aggrs/cross-db', 403, { check: SECURITY(/CROSS_DATABASE_ACCESS operator '\$lookup'.*database 'other'/) }),
  get('$out into another database → 403', '/sales/_aggrs/cross-db-out', 403, { check: SECURITY(/CROSS_DATABASE_OUTPUT operator '\$out'/) }),
  get('$function with JavaScript disallowed → 403', '/sales/_aggrs/function', 403, { check: SECURITY(/JAVASCRIPT_EXECUTION operator '\$function'/) }),
  get('the users collection is never joined (password hashes) → 403', '/sales/_aggrs/users-lookup', 403, { check: SECURITY(/PROTECTED_COLLECTION operator '\$lookup'/) }),
  get('nor the ACL written → 403', '/sales/_aggrs/acl-merge', 403, { check: SECURITY(/PROTECTED_COLLECTION operator '\$merge' at pipeline\[1\]/) }),
  get('a last $out writes and answers []', '/sales/_aggrs/out', 200, { expectBody: [] }),
  get('… into the target collection', '/eu?sort=_id', 200, { check: ids([1, 3]) }),
];

function engines(): Array<{ name: string; start: (rho?: string) => Promise<{ srv: TestServer; stop: () => Promise<void> }> }> {
  return [
    { name: 'embedded', start: async (rho) => { const srv = await startServer({ rho }); return { srv, stop: () => srv.close() }; } },
    {
      name: 'mongodb engine over the wire shim',
      start: async (rho) => {
        const dir = mkdtempSync(join(tmpdir(), 'docrest-aggr-wire-'));
        const shim = new WireShim(dir);
        const port = await shim.listen();
        const srv = await startServer({ rho: [`/docrest/engine->"mongodb";/mclient/connection-string->"mongodb://127.0.0.1:${port}"`, rho].filter(Boolean).join(';') });
        return { srv, stop: async () => { await srv.close(); await shim.close(); rmSync(dir, { recursive: true, force: true }); } };
      },
    },
  ];
}

for (const engine of engines()) {
  for (const [label, rho, list] of [['default security', undefined, COMMON], ['relaxed security', RELAXED_RHO, RELAXED]] as const) {
    describe(`aggregations (${engine.name}, ${label})`, () => {
      let srv: TestServer;
      let stop: () => Promise<void>;
      before(async () => {
        ({ srv, stop } = await engine.start(rho));
        await seed(srv);
      });
      after(async () => stop());
      for (const s of list) test(s.name, async () => { await checkScenario(srv, s); });
    });
  }
}

describe('aggregations: mongo.aggregation-time-limit', () => {
  let srv: TestServer;
  before(async () => {
    // the pipeline takes tens of seconds; the limit stops it after 3
    srv = await startServer({ rho: '/mongo/aggregation-time-limit->3000' });
    await must(srv, 'PUT', '/big', {
      aggrs: [{ uri: 'slow', stages: [{ $group: { _id: null, s: { $push: '$n' } } }, { $unwind: '$s' }, { $group: { _id: { $mod: ['$s', 7] }, n: { $sum: { $strLenCP: { $reduce: { input: { $range: [0, 2000] }, initialValue: '', in: { $concat: ['$$value', 'x'] } } } } } } }] }],
    });
    await must(srv, 'POST', '/big', Array.from({ length: 5000 }, (_, n) => ({ _id: n, n })));
  });
  after(async () => srv.close());

  test('a pipeline past the limit answers 408, and the server keeps answering meanwhile', async () => {
    let settled = false;
    const slow = call(srv, 'GET', '/big/_aggrs/slow').finally(() => {
      settled = true;
    });
    assert.equal((await call(srv, 'GET', '/ping')).status, 200);
    assert.equal((await call(srv, 'GET', '/big/7?id_type=NUMBER')).status, 200);
    assert.equal(settled, false, 'the aggregation ended before /ping was answered');
    const r = await slow;
    assert.equal(r.status, 408, r.text);
    assert.equal(r.json().message, 'Operation exceeded time limit');
  });
});

test('aggregationSecurity: a blacklisted name without $ stops the start, as in RESTHeart', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'docrest-aggr-config-'));
  try {
    await assert.rejects(startServer({ rho: '/aggregationSecurity/stageBlacklist->["out"]', dataDir }), /aggregationSecurity\.stageBlacklist: every name must start with '\$': out/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
