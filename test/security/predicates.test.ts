import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Int32, ObjectId } from 'bson';
import { compilePredicate, interpolate, PredicateSyntaxError } from '../../src/security/predicates.ts';
import type { PredicateRequest } from '../../src/security/predicates.ts';

interface Req {
  method?: string;
  path?: string;
  q?: string;
  headers?: Record<string, string | string[]>;
  user?: string;
  body?: unknown;
  secure?: boolean;
}

function request(r: Req): PredicateRequest {
  return {
    method: r.method ?? 'GET',
    path: r.path ?? '/',
    query: new URLSearchParams(r.q ?? ''),
    headers: r.headers ?? {},
    remoteIp: '10.0.0.7',
    userName: r.user,
    body: r.body,
    secure: r.secure ?? false,
  };
}

function run(text: string, r: Req, vars = new Map<string, string>()): boolean {
  return compilePredicate(text)(request(r), vars);
}

function table(cases: Array<[string, Req, boolean]>): void {
  for (const [text, r, expected] of cases) {
    it(`${text} ${JSON.stringify(r)} → ${expected}`, () => assert.equal(run(text, r), expected));
  }
}

describe('path predicates', () => {
  table([
    ["path('/coll')", { path: '/coll' }, true],
    ["path('/coll')", { path: '/coll/' }, true],
    ["path('/coll')", { path: '//coll' }, true],
    ["path('/coll')", { path: '/coll/x' }, false],
    ["path('/coll')", { path: '/Coll' }, false],
    ['path(coll)', { path: '/coll' }, true],
    ["path('/a', '/b')", { path: '/b' }, true],
    ["path[{'/a', '/b'}]", { path: '/b' }, true],
    ["path[path={'/a', '/b'}]", { path: '/c' }, false],
    ["path-prefix('/public')", { path: '/public' }, true],
    ["path-prefix('/public')", { path: '/public/x/y' }, true],
    ["path-prefix('/public')", { path: '/publicx' }, false],
    ["path-prefix('/public')", { path: '/public/../private' }, false],
    ["path-prefix('/public')", { path: '/public/..' }, false],
    ["path-prefix('/public')", { path: '/public/./x' }, true],
    ["path-prefix('/public')", { path: '/../public/x' }, true],
    ["path-prefix('/public')", { path: '/PUBLIC/x' }, false],
    ["path-prefix('/public/')", { path: '/public/x' }, true],
    ["path-prefix('/public/')", { path: '/publicx' }, false],
    ["path-prefix('/private')", { path: '/public/../private' }, true],
    ["path-prefix('/private')", { path: '//private' }, true],
    ["path-prefix('/private')", { path: '/private/' }, true],
    ["path-prefix('/private')", { path: '/PRIVATE' }, false],
    ["not path-prefix('/private')", { path: '/public/../private/doc' }, false],
    ["path-prefix('/')", { path: '/anything/at/all' }, true],
    ["path-prefix('/a', '/b')", { path: '/b/c' }, true],
    ['path-prefix[path="/testdb"]', { path: '/testdb/coll' }, true],
    ["path-suffix('.json')", { path: '/a/b.json' }, true],
    ["path-suffix('.json')", { path: '/a/b.jsonx' }, false],
    ["path-suffix('/x')", { path: '/a/x/' }, true],
    ["path-template('/{userid}')", { path: '/bob' }, true],
    ["path-template('/{userid}')", { path: '/bob/x' }, false],
    ["path-template('/{userid}')", { path: '/' }, false],
    ["path-template('/coll/*')", { path: '/coll/a' }, true],
    ["path-template('/coll/*')", { path: '/coll/a/b' }, true],
    ["path-template('/coll/*')", { path: '/coll' }, false],
    ["path-template('/coll/{id}')", { path: '/coll/x/' }, true],
    ["path-template('/coll/{id}')", { path: '/other/x' }, false],
    ["path-template(value='/a/{x}', match='%{i,X-Path}')", { path: '/', headers: { 'x-path': '/a/1' } }, true],
    ["path-template(value='/a/{x}', match='%{i,X-Path}')", { path: '/a/1' }, false],
    ["regex('^/public/')", { path: '/public/../private' }, false],
  ]);

  it('path-template captures segments, decoded', () => {
    const vars = new Map<string, string>();
    assert.equal(run("path-template('/{db}/{coll}/*')", { path: '/inventory/a b/x/y' }, vars), true);
    assert.deepEqual([...vars], [['db', 'inventory'], ['coll', 'a b']]);
  });

  it('a failed template match captures nothing', () => {
    const vars = new Map<string, string>();
    assert.equal(run("path-template('/{db}/fixed')", { path: '/inventory/other' }, vars), false);
    assert.equal(vars.size, 0);
  });
});

describe('request attribute predicates', () => {
  table([
    ['method(GET)', { method: 'GET' }, true],
    ['method(GET)', { method: 'POST' }, false],
    ['method(GET, POST)', { method: 'POST' }, true],
    ['method[value={GET, PUT}]', { method: 'POST' }, false],
    ['method[value="GET"]', { method: 'GET' }, true],
    ['method(get)', { method: 'GET' }, true],
    ['method(GETX)', { method: 'GET' }, false],
    ["equals(%u, 'bob')", { user: 'bob' }, true],
    ["equals(%u, 'bob')", { user: 'alice' }, false],
    ["equals(%u, 'bob')", {}, false],
    ['equals(%u, ${never})', {}, false],
    ['equals[%m, GET]', { method: 'GET' }, true],
    ['equals[%u, %{i,X-User}]', { user: 'bob', headers: { 'x-user': 'bob' } }, true],
    ['equals[%u, %{i,X-User}]', { user: 'bob', headers: { 'x-user': 'eve' } }, false],
    ["equals(%{q,tenant}, 'acme')", { q: 'tenant=acme' }, true],
    ["equals(%{q,tenant}, 'acme')", { q: 'tenant=acme&tenant=evil' }, false],
    ["equals(%q, '?a=1')", { q: 'a=1' }, true],
    ["equals(%a, '10.0.0.7')", {}, true],
    ["equals(%U, '/a/b')", { path: '//a/b/' }, true],
    ["equals(value={%R, '/x'})", { path: '/x' }, true],
    ["equals('pre-%u', 'pre-bob')", { user: 'bob' }, true],
    ["contains(value=%{i,User-Agent}, search={'curl', 'wget'})", { headers: { 'user-agent': 'curl/8.0' } }, true],
    ["contains(value=%{i,User-Agent}, search={'curl', 'wget'})", { headers: { 'user-agent': 'Mozilla' } }, false],
    ['contains(value=%u, search=x)', {}, false],
    ["regex('^/api/')", { path: '/api/v1' }, true],
    ["regex('^/api/')", { path: '/web/api/' }, false],
    ["regex('/api')", { path: '/web/api' }, true],
    ["regex(pattern='/api', full-match=true)", { path: '/api/v1' }, false],
    ["regex(pattern='/api/.*', full-match=true)", { path: '/api/v1' }, true],
    ["regex(pattern='/API')", { path: '/api' }, false],
    ["regex(pattern='/API', case-sensitive=false)", { path: '/api' }, true],
    ["regex(pattern='^b', value=%u)", { user: 'bob' }, true],
    ["regex(pattern='^b', value=%u)", {}, false],
    ['exists(%{i,Authorization})', { headers: { authorization: 'Basic x' } }, true],
    ['exists(%{i,Authorization})', {}, false],
    ['exists(%{i,Authorization})', { headers: { authorization: '' } }, false],
    ['exists(%u)', {}, false],
    ['exists(%u)', { user: 'bob' }, true],
    ['true', {}, true],
    ['false', {}, false],
    ['secure', { secure: true }, true],
    ['secure', { secure: false }, false],
    ['secure()', { secure: true }, true],
    ['max-content-size(10)', { headers: { 'content-length': '10' } }, true],
    ['max-content-size(10)', { headers: { 'content-length': '11' } }, false],
    ['max-content-size(10)', {}, true],
    ['max-content-size(10)', { headers: { 'transfer-encoding': 'chunked' } }, false],
    ['min-content-size(5)', { headers: { 'content-length': '5' } }, true],
    ['min-content-size(5)', { headers: { 'content-length': '4' } }, false],
    ["in(value=%u, array={'alice', 'bob'})", { user: 'bob' }, true],
    ["in(value=%u, array={'alice', 'bob'})", { user: 'eve' }, false],
    ["in(value=%u, array={'alice', 'bob'})", {}, false],
    ["in[value=${id}, array='x']", {}, false],
  ]);

  it('regex groups become ${0}, ${1}… and named groups ${name}', () => {
    const vars = new Map<string, string>();
    assert.equal(run("regex('^/users/(?<name>[^/]+)/(\\\\d+)$')", { path: '/users/bob/42' }, vars), true);
    assert.deepEqual(Object.fromEntries(vars), { 0: '/users/bob/42', 1: 'bob', 2: '42', name: 'bob' });
  });
});

describe('query-parameter predicates', () => {
  table([
    ['qparams-contain(page)', { q: 'page=1' }, true],
    ['qparams-contain(page)', { q: 'page=' }, true],
    ['qparams-contain(page)', { q: 'page' }, true],
    ['qparams-contain(page)', { q: 'page=1&page=2' }, true],
    ['qparams-contain(page)', { q: 'pagesize=1' }, false],
    ['qparams-contain(page)', {}, false],
    ['qparams-contain(page, pagesize)', { q: 'page=1' }, false],
    ['qparams-contain(page, pagesize)', { q: 'pagesize=&page=1' }, true],
    ['qparams-blacklist(filter, sort)', { q: 'filter={}' }, false],
    ['qparams-blacklist(filter, sort)', { q: 'sort' }, false],
    ['qparams-blacklist(filter, sort)', { q: 'page=1' }, true],
    ['qparams-blacklist(filter, sort)', {}, true],
    ['qparams-whitelist(page)', { q: 'page=1&page=2' }, true],
    ['qparams-whitelist(page)', { q: 'page=1&x=2' }, false],
    ['qparams-whitelist(page)', {}, true],
    ['qparams-whitelist()', {}, true],
    ['qparams-whitelist()', { q: 'a' }, false],
    ['qparams-size(2)', { q: 'a=1&b=' }, true],
    ['qparams-size(2)', { q: 'a=1&a=2' }, false],
    ['qparams-size(0)', {}, true],
    ["qparams-size('1')", { q: 'x' }, true],
  ]);
});

describe('body predicates', () => {
  table([
    ['bson-request-contains(title)', { body: { title: 't' } }, true],
    ['bson-request-contains(title)', { body: {} }, false],
    ['bson-request-contains(title)', {}, false],
    ['bson-request-contains(title)', { body: 'title' }, false],
    ['bson-request-contains(title)', { body: [{ title: 1 }, { title: 2 }] }, true],
    ['bson-request-contains(title)', { body: [{ title: 1 }, {}] }, false],
    ['bson-request-contains(title)', { body: [] }, false],
    ['bson-request-contains(title, content)', { body: { title: 1 } }, false],
    ['bson-request-contains(a.b)', { body: { a: { b: 1 } } }, true],
    ['bson-request-contains(a.b)', { body: { 'a.b': 1 } }, true],
    ['bson-request-contains(a.b)', { body: { a: 1 } }, false],
    ['bson-request-contains(a.b)', { body: { a: [{ b: 1 }] } }, true],
    ['bson-request-contains(title)', { body: { $set: { title: 1 } } }, true],
    ['bson-request-contains(constructor)', { body: {} }, false],
    ['bson-request-whitelist(title, content)', { body: { title: 1 } }, true],
    ['bson-request-whitelist(title, content)', { body: { title: 1, other: 2 } }, false],
    ['bson-request-whitelist(title, content)', { body: { title: { x: 1 } } }, true],
    ['bson-request-whitelist(title, content)', {}, true],
    ['bson-request-whitelist(title, content)', { body: {} }, true],
    ['bson-request-whitelist(title, content)', { body: { secret: {} } }, false],
    ['bson-request-whitelist(title, content)', { body: { $set: { title: 1 } } }, true],
    ['bson-request-whitelist(title, content)', { body: { $set: { secret: 1 } } }, false],
    ['bson-request-whitelist(title, content)', { body: { $unset: 'secret' } }, false],
    ['bson-request-whitelist(title, content)', { body: [{ title: 1 }, { secret: 1 }] }, false],
    ['bson-request-whitelist(title, content)', { body: 42 }, false],
    ['bson-request-whitelist()', { body: { a: 1 } }, false],
    ['bson-request-whitelist(a.b)', { body: { a: { b: 1 } } }, true],
    ['bson-request-whitelist(a.b)', { body: { a: { b: 1, c: 1 } } }, false],
    ['bson-request-blacklist(secret)', { body: { a: 1 } }, true],
    ['bson-request-blacklist(secret)', { body: { secret: 1 } }, false],
    ['bson-request-blacklist(secret)', { body: { x: { secret: 1 } } }, true],
    ['bson-request-blacklist(x.secret)', { body: { x: { secret: 1 } } }, false],
    ['bson-request-blacklist(secret)', { body: [{ a: 1 }, { secret: 1 }] }, false],
    ['bson-request-blacklist(secret)', { body: { $set: { secret: 1 } } }, false],
    ['bson-request-blacklist(secret)', {}, true],
    [`bson-request-prop-equals(key=status, value='"draft"')`, { body: { status: 'draft' } }, true],
    [`bson-request-prop-equals(key=status, value='"draft"')`, { body: { status: 'published' } }, false],
    [`bson-request-prop-equals(key=status, value='"draft"')`, { body: {} }, false],
    [`bson-request-prop-equals(key=status, value='"draft"')`, {}, false],
    ["bson-request-prop-equals(key=a.b, value='1')", { body: { a: { b: 1 } } }, true],
    ["bson-request-prop-equals(key=a.b, value='1')", { body: { a: { b: new Int32(1) } } }, true],
    ["bson-request-prop-equals(key=a.b, value='1')", { body: { a: { b: '1' } } }, false],
    [`bson-request-prop-equals(key=a, value='{"x": [1, "y"]}')`, { body: { a: { x: [1, 'y'] } } }, true],
    [`bson-request-prop-equals(key=a, value='{"x": [1, "y"]}')`, { body: { a: { x: [1] } } }, false],
    ["bson-request-prop-equals(key=a, value='not json')", { body: { a: 'not json' } }, false],
    [`bson-request-array-contains(key=tags, values={'"a"', '"b"'})`, { body: { tags: ['c', 'b', 'a'] } }, true],
    [`bson-request-array-contains(key=tags, values={'"a"', '"b"'})`, { body: { tags: ['a'] } }, false],
    [`bson-request-array-contains(key=tags, values={'"a"', '"b"'})`, { body: { tags: 'a' } }, false],
    [`bson-request-array-contains(key=tags, values={'"a"', '"b"'})`, {}, false],
    [`bson-request-array-is-subset(key=tags, values={'"a"', '"b"'})`, { body: { tags: ['a'] } }, true],
    [`bson-request-array-is-subset(key=tags, values={'"a"', '"b"'})`, { body: { tags: [] } }, true],
    [`bson-request-array-is-subset(key=tags, values={'"a"', '"b"'})`, { body: { tags: ['a', 'c'] } }, false],
    [`bson-request-array-is-subset(key=n, values={'1', '2'})`, { body: { n: [2] } }, true],
  ]);

  it('prop-equals reads its value attribute at request time', () => {
    const p = `path-template('/docs/{id}') and bson-request-prop-equals(key=owner, value='"\${id}"')`;
    assert.equal(run(p, { path: '/docs/bob', body: { owner: 'bob' } }), true);
    assert.equal(run(p, { path: '/docs/bob', body: { owner: 'eve' } }), false);
  });
});

describe('operators', () => {
  table([
    ['true or false and false', {}, true],
    ['false and false or true', {}, true],
    ['false and true or false', {}, false],
    ['not false and false', {}, false],
    ['not (false and false)', {}, true],
    ['(true or false) and false', {}, false],
    ['not not true', {}, true],
    ['not true or true', {}, true],
    ['(\n  method(GET)\n  or method(POST)\n)\n  and path(\'/coll\')', { method: 'POST', path: '/coll' }, true],
    ["path-template('/u/{name}') and equals(%u, ${name})", { path: '/u/bob', user: 'bob' }, true],
    ["path-template('/u/{name}') and equals(%u, ${name})", { path: '/u/bob', user: 'eve' }, false],
    // captures are only visible to predicates evaluated after the capture
    ["equals(%u, ${name}) and path-template('/u/{name}')", { path: '/u/bob', user: 'bob' }, false],
    ["path-template('/u/{name}') and equals('user-bob', 'user-${name}')", { path: '/u/bob' }, true],
  ]);

  it('short-circuits: the right side of a decided and/or is not evaluated', () => {
    const a = new Map<string, string>();
    assert.equal(run("false and regex('(.*)')", {}, a), false);
    assert.equal(a.size, 0);
    const b = new Map<string, string>();
    assert.equal(run("true or regex('(.*)')", {}, b), true);
    assert.equal(b.size, 0);
    const c = new Map<string, string>();
    assert.equal(run("true and regex('(.*)')", { path: '/x' }, c), true);
    assert.equal(c.get('1'), '/x');
  });
});

describe('syntax errors', () => {
  const bad = [
    '', '   ', '(method(GET)', 'method(GET))', 'method(GET', '(true or false', 'true)',
    'unknown-predicate', 'no-such(x)', "path('/a", 'path("/a)', "path('/a'x)", 'method(GET) path(\'/a\')',
    'and', 'method(GET) and', 'not', 'true or or false', 'path(foo=bar)', "regex(pattern='[')",
    'qparams-size(abc)', "regex(pattern=a, full-match=maybe)", "in(%u, {'a'})", "path-template('/a', '/b')",
    'qparams-contain()', 'bson-request-contains()', "bson-request-array-contains(key=a, values={'notjson'})",
    'equals(%z, x)', 'equals(%{x,y}, a)', 'equals(%{i,X, a)', 'method(GET, value=POST)', 'method(GET,)', 'method(,)',
    "method(value=GET, value=POST)", 'true(x)', "in(value=%u)", "method(GET, {POST})", 'method{GET}',
  ];
  for (const text of bad) {
    it(`rejects ${JSON.stringify(text)}`, () => assert.throws(() => compilePredicate(text), PredicateSyntaxError));
  }
});

describe('interpolate (§7.4)', () => {
  const user = {
    _id: 'bob', name: 'Bob', array: ['a', 'b'], team: { role: 'owner' }, n: 2, flag: true,
    oid: new ObjectId('5d0b3ab3f4c0e3cf3f4bc8e1'), i32: new Int32(7), tenants: [] as string[],
    mixed: ['x', { y: 1 }, 3], 'a.b': 'long', a: { b: 'short' },
  };
  const cases: Array<[string, Record<string, unknown> | undefined, unknown, Req, boolean]> = [
    // every example of SECURITY.md §7.4, verbatim
    ["path-prefix('/inventory') and method(GET)", user, undefined, { path: '/inventory/x' }, true],
    ["path-prefix('/inventory') and method(GET)", user, undefined, { path: '/inventory/x', method: 'PUT' }, false],
    ['path-prefix[path="/testdb"] and method[value="GET"]', user, undefined, { path: '/testdb' }, true],
    ['path-prefix[path="/testdb"] and method[value="GET"]', user, undefined, { path: '/testdbx' }, false],
    ["(method(GET) or method(POST)) and path('/coll')", user, undefined, { method: 'POST', path: '/coll' }, true],
    ["(method(GET) or method(POST)) and path('/coll')", user, undefined, { method: 'DELETE', path: '/coll' }, false],
    ["method(GET) and path-template('/{userid}') and equals(@user._id, ${userid}) and qparams-contain(page) and qparams-blacklist(filter, sort)",
      user, undefined, { path: '/bob', q: 'page=1' }, true],
    ["method(GET) and path-template('/{userid}') and equals(@user._id, ${userid}) and qparams-contain(page) and qparams-blacklist(filter, sort)",
      user, undefined, { path: '/alice', q: 'page=1' }, false],
    ["method(GET) and path-template('/{userid}') and equals(@user._id, ${userid}) and qparams-contain(page) and qparams-blacklist(filter, sort)",
      user, undefined, { path: '/bob', q: 'page=1&sort=x' }, false],
    ['path-template[value="/testtmpdb2/{username}"] and equals[%u, "${username}"]', user, undefined, { path: '/testtmpdb2/bob', user: 'bob' }, true],
    ['path-template[value="/testtmpdb2/{username}"] and equals[%u, "${username}"]', user, undefined, { path: '/testtmpdb2/eve', user: 'bob' }, false],
    ['regex[pattern="/testtmpdb3/(.*?)", value="%R", full-match=true] and equals[%u, "${1}"]', user, undefined, { path: '/testtmpdb3/bob', user: 'bob' }, true],
    ['regex[pattern="/testtmpdb3/(.*?)", value="%R", full-match=true] and equals[%u, "${1}"]', user, undefined, { path: '/testtmpdb3/bob/x', user: 'bob' }, false],
    ['method(POST) and bson-request-contains(title) and bson-request-whitelist(title, content)', user, undefined, { method: 'POST', body: { title: 't', content: 'c' } }, true],
    ['method(POST) and bson-request-contains(title) and bson-request-whitelist(title, content)', user, undefined, { method: 'POST', body: { title: 't', x: 1 } }, false],
    ['(method(PUT) or method(GET)) and path-template(value="/test/coll/{id}") and in(value=${id}, array=@user.array)', user, undefined, { method: 'PUT', path: '/test/coll/a' }, true],
    ['(method(PUT) or method(GET)) and path-template(value="/test/coll/{id}") and in(value=${id}, array=@user.array)', user, undefined, { method: 'PUT', path: '/test/coll/c' }, false],
    ["path-prefix('/test') and equals(@user.team.role, 'owner')", user, undefined, { path: '/test/x' }, true],
    ["path-prefix('/test') and equals(@user.team.role, 'owner')", { team: { role: 'member' } }, undefined, { path: '/test/x' }, false],
    ["path-prefix('/test') and equals(@user.team.role, 'owner')", undefined, undefined, { path: '/test/x' }, false],
    // value types
    ['qparams-size(@user.n)', user, undefined, { q: 'a&b' }, true],
    ["equals(@user.flag, 'true')", user, undefined, {}, true],
    ["equals(@user.oid, '5d0b3ab3f4c0e3cf3f4bc8e1')", user, undefined, {}, true],
    ["equals(@user.i32, '7')", user, undefined, {}, true],
    ["equals(@user.team, '[object Object]')", user, undefined, {}, false],
    ["in(value='x', array=@user.mixed)", user, undefined, {}, true],
    ["in(value='3', array=@user.mixed)", user, undefined, {}, true],
    ['in(value=%u, array=@user.tenants)', user, undefined, { user: 'bob' }, false],
    ["equals(@user.a.b, 'long')", user, undefined, {}, true],
    ["equals(@user.array.1, 'b')", user, undefined, {}, true],
    // unbound variables never match, not even each other
    ['equals(@user.missing, @user.missing2)', user, undefined, {}, false],
    ['equals(@user.missing, @user.missing)', user, undefined, {}, false],
    ["in(value=%u, array=@user.tenants) or equals(@user, 'bob')", undefined, undefined, { user: 'bob' }, false],
    // @request.body
    ["equals(@request.body.amount, '5000')", user, { amount: 5000 }, {}, true],
    ["equals(@request.body.transaction.amount, '10000')", user, { transaction: { amount: 10000 } }, {}, true],
    ["equals(@request.body.roles.0, 'user')", user, { roles: ['user', 'admin'] }, {}, true],
    ["equals(@request.body.amount, '5000')", user, undefined, {}, false],
    // injection attempts stay single literal strings
    ["equals(@user.name, 'bob')", { name: "x') or true or ('" }, undefined, {}, false],
    ['equals(@user.name, %u)', { name: "x') or true or ('" }, undefined, { user: "x') or true or ('" }, true],
    ["equals(@user.name, 'a\\\\')", { name: 'a\\' }, undefined, {}, true],
    ['equals(@request.body.owner, %u)', user, { owner: '%u' }, { user: 'bob' }, false],
    ['equals(@request.body.owner, %u)', user, { owner: 'bob' }, { user: 'bob' }, true],
    ["path-template('/d/{id}') and equals(@request.body.owner, ${id})", user, { owner: '${id}' }, { path: '/d/x' }, false],
    ["path-template('/d/{id}') and equals(@request.body.owner, ${id})", user, { owner: 'x' }, { path: '/d/x' }, true],
    ["in(value=%u, array=@user.array)", { array: ["a'}) or true or in(value=%u, array={'"] }, undefined, { user: 'eve' }, false],
  ];
  cases.forEach(([text, u, body, r, expected], n) => {
    it(`#${n} ${text} ${JSON.stringify(r)} → ${expected}`, () => {
      assert.equal(compilePredicate(interpolate(text, u, body))(request(r), new Map()), expected);
    });
  });

  it('leaves quoted text and e-mail-like tokens alone', () => {
    assert.equal(interpolate("equals('@user.name', \"@user.name\")", user, undefined), "equals('@user.name', \"@user.name\")");
    assert.equal(interpolate('equals(%u, admin@user.com)', user, undefined), 'equals(%u, admin@user.com)');
    assert.equal(interpolate('equals(%u, @username)', user, undefined), 'equals(%u, @username)');
  });

  it('quotes scalars and renders arrays as {…}', () => {
    assert.equal(interpolate('in(value=@user._id, array=@user.array)', user, undefined), "in(value='bob', array={'a','b'})");
    assert.equal(interpolate('equals(@user.n, x)', user, undefined), "equals('2', x)");
  });

  it('writes unbound variables as a fresh random string each time', () => {
    const a = interpolate('equals(@user.nope, x)', user, undefined);
    const b = interpolate('equals(@user.nope, x)', user, undefined);
    assert.match(a, /^equals\('[^']+', x\)$/);
    assert.notEqual(a, b);
    assert.ok(!a.includes('@user'));
  });
});
