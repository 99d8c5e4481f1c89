import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getPath, loadConfig, lookup, parseRho, setPath, splitAssignments } from '../../src/config/load.ts';
import type { ConfigTree } from '../../src/config/load.ts';
import { RelaxedJsonError, parseRelaxedValue } from '../../src/config/relaxed-value.ts';

function load(rho: string) {
  const warnings: string[] = [];
  const infos: string[] = [];
  const cfg = loadConfig({ rho, warn: (m) => warnings.push(m), info: (m) => infos.push(m) });
  return { cfg, warnings, infos };
}

test('CONFIG.md §1.1 example, verbatim', () => {
  const { cfg, warnings } = load('/mclient/connection-string->"mongodb://db:27017";/http-listener/host->"0.0.0.0";/mongo/mongo-mounts[1]->{"what":"*","where":"/"}');
  assert.deepEqual(warnings, []);
  assert.equal(lookup(cfg, '/mclient/connection-string'), 'mongodb://db:27017');
  assert.equal(lookup(cfg, '/http-listener/host'), '0.0.0.0');
  assert.equal(lookup(cfg, '/http-listener/port'), 8080);
  // the first mount is replaced, not merged and not appended
  assert.deepEqual(lookup(cfg, '/mongo/mongo-mounts'), [{ what: '*', where: '/' }]);
  assert.deepEqual(cfg.sources, ['defaults', 'RHO']);
});

test('CONFIG.md §8 typical overrides, verbatim', () => {
  const a = load('/http-listener/host->"0.0.0.0";/mclient/connection-string->"mongodb://mongo:27017/?replicaSet=rs0"');
  assert.equal(lookup(a.cfg, '/mclient/connection-string'), 'mongodb://mongo:27017/?replicaSet=rs0');
  assert.equal(lookup(a.cfg, '/http-listener/host'), '0.0.0.0');
  const b = load('/mongo/mongo-mounts[1]/what->"*"');
  assert.deepEqual(lookup(b.cfg, '/mongo/mongo-mounts'), [{ what: '*', where: '/' }]);
});

test('a ; inside a double- or single-quoted string does not split', () => {
  const { cfg, warnings } = load(`/ping/msg->"hello; world";/core/name->'a;b';/core/base-url->"x\\";y"`);
  assert.deepEqual(warnings, []);
  assert.equal(lookup(cfg, '/ping/msg'), 'hello; world');
  assert.equal(lookup(cfg, '/core/name'), 'a;b');
  assert.equal(lookup(cfg, '/core/base-url'), 'x";y');
  assert.deepEqual(splitAssignments(' /a->1 ;; /b->"x;y";'), ['/a->1', '/b->"x;y"']);
});

test('whitespace is trimmed; values are relaxed JSON; missing maps are created', () => {
  const { cfg, warnings } = load(`  /core/name  ->  "n" ;/new/deep/map -> {a: 'b', "c": [1, -2.5e1, true, null]} ; /x/n -> 12`);
  assert.deepEqual(warnings, []);
  assert.equal(lookup(cfg, '/core/name'), 'n');
  assert.deepEqual(lookup(cfg, '/new/deep/map'), { a: 'b', c: [1, -25, true, null] });
  assert.equal(lookup(cfg, '/x/n'), 12);
});

test('list indices are 1-based; n+1 appends; beyond is skipped with a warning', () => {
  const { cfg, warnings } = load('/mongo/mongo-mounts[2]->{"what":"/other","where":"/o"};/mongo/mongo-mounts[5]->{"what":"/x","where":"/x"};/proxies[1]->{"location":"/p"}');
  assert.deepEqual(lookup(cfg, '/mongo/mongo-mounts'), [{ what: '/restheart', where: '/' }, { what: '/other', where: '/o' }]);
  assert.deepEqual(lookup(cfg, '/proxies'), [{ location: '/p' }]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /out of range.*mongo-mounts\[5\]/);
});

test('invalid assignments are skipped with a warning, the rest still applies', () => {
  const { cfg, warnings } = load([
    '/core/name->"ok"',
    'core/name->"relative"',
    '/core/name "no arrow"',
    '/http-listener/host->0.0.0.0',
    '/mongo/mongo-mounts[0]->{}',
    '/core/name/inner->1',
    '/a//b->1',
    '/ping/msg->"unterminated',
  ].join(';'));
  assert.equal(lookup(cfg, '/core/name'), 'ok');
  assert.equal(lookup(cfg, '/http-listener/host'), 'localhost');
  assert.equal(warnings.length, 7, warnings.join('\n'));
  assert.match(warnings[0]!, /must start with \//);
  assert.match(warnings[1]!, /missing '->'/);
  assert.match(warnings[2]!, /not valid JSON/);
  assert.match(warnings[3]!, /1-based/);
  assert.match(warnings[4]!, /invalid path segment ''/);
  assert.match(warnings[5]!, /not valid JSON/);
  // parse problems are reported first, then problems found while applying
  assert.match(warnings[6]!, /'name' is not a map/);
});

test('secrets never appear in warnings or info lines', () => {
  const { warnings, infos, cfg } = load([
    '/jwtConfigProvider/key->topsecret1',
    '/mclient/connection-string->mongodb://u:hunter2@h',
    '/jwtConfigProvider/key=topsecret2',
    '/authCookieSetter/pwd->"topsecret3"',
    '/mclient/connection-string->"mongodb://admin:hunter3@db/?authSource=admin"',
    '/fileRealmAuthenticator/users->[{"userid":"a","password":"topsecret4"}]',
  ].join(';'));
  assert.equal(warnings.length, 3);
  assert.equal(infos.length, 3);
  const all = [...warnings, ...infos].join('\n');
  for (const s of ['topsecret1', 'hunter2', 'topsecret2', 'topsecret3', 'hunter3', 'topsecret4']) assert.ok(!all.includes(s), s);
  assert.match(all, /mongodb:\/\/admin:\*{8}@db/);
  assert.match(all, /\/jwtConfigProvider\/key/);
  assert.equal(lookup(cfg, '/authCookieSetter/pwd'), 'topsecret3');
});

test('setPath / getPath directly', () => {
  const t: ConfigTree = { a: { list: [1, { b: 2 }] }, s: 'str' };
  setPath(t, '/a/list[2]/b', 3);
  assert.deepEqual(t, { a: { list: [1, { b: 3 }] }, s: 'str' });
  assert.throws(() => setPath(t, '/s/x', 1), /not a map/);
  assert.equal(getPath(t, '/a/list[1]'), 1);
  assert.equal(getPath(t, '/a/list[3]'), undefined);
  assert.equal(getPath(t, 'a'), undefined);
  setPath(t, '/__proto__/polluted', true);
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  assert.equal(getPath(t, '/__proto__/polluted'), true);
});

test('parseRho reports the source name', () => {
  const w: string[] = [];
  assert.deepEqual(parseRho('/a->1;b', (m) => w.push(m), 'X'), [{ path: '/a', value: 1, raw: '/a->1' }]);
  assert.match(w[0]!, /^X: /);
});

test('relaxed JSON reader', () => {
  assert.deepEqual(parseRelaxedValue(`{a: 1, 'b': "\\u0041\\n", c: [], d: {}, e: -0.5}`), { a: 1, b: 'A\n', c: [], d: {}, e: -0.5 });
  assert.equal(parseRelaxedValue(`'it\\'s'`), "it's");
  assert.equal(parseRelaxedValue(' null '), null);
  const proto = parseRelaxedValue('{"__proto__": {"x": 1}}') as Record<string, unknown>;
  assert.ok(Object.hasOwn(proto, '__proto__'));
  assert.equal(Object.getPrototypeOf(proto), Object.prototype);
  for (const bad of ['localhost', '1 2', '{a: 1,}', '[1,]', '"x', '01', '{a 1}', '', '// c\n1', 'truex']) {
    assert.throws(() => parseRelaxedValue(bad), RelaxedJsonError, bad);
  }
  assert.deepEqual(parseRelaxedValue('# c\n{a: [1,], /* x */ b: 2,} // end', { jsonc: true }), { a: [1], b: 2 });
});
