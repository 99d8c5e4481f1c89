import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError, applyCliArgs, effectiveMaxBodySize, getBool, getList, getMap, getNumber, getString,
  isMap, loadConfig, lookup, maskSecrets, parseConfigYaml, renderConfig, section,
} from '../../src/config/load.ts';
import type { ConfigTree } from '../../src/config/load.ts';
import { DEFAULT_CONFIG_YAML } from '../../src/config/defaults.ts';

const dir = mkdtempSync(join(tmpdir(), 'docrest-config-'));
let n = 0;
function tmp(ext: string, text: string): string {
  const file = join(dir, `f${n++}${ext}`);
  writeFileSync(file, text);
  return file;
}
const quiet = { warn: () => {} };

// CONFIG.md §8, verbatim.
const SECTION_8 = `
http-listener: {enabled: true, host: localhost, port: 8080}
mclient: {connection-string: "mongodb://127.0.0.1"}
mongo:
  enabled: true
  uri: /
  mongo-mounts: [{what: /restheart, where: /}]
  default-representation-format: STANDARD
  etag-check-policy: {db: REQUIRED_FOR_DELETE, coll: REQUIRED_FOR_DELETE, doc: OPTIONAL}
  default-pagesize: 100
  max-pagesize: 1_000
tokenBasicAuthMechanism: {enabled: true}
basicAuthMechanism: {enabled: true, authenticator: mongoRealmAuthenticator}
jwtConfigProvider: {enabled: true, key: null, algorithm: HS256, issuer: restheart.org, audience: null}
jwtAuthenticationMechanism: {enabled: true, base64Encoded: false, usernameClaim: sub, rolesClaim: roles, fixedRoles: []}
mongoRealmAuthenticator: {enabled: true, users-db: restheart, users-collection: users, prop-id: _id,
  prop-password: password, json-path-roles: $.roles, bcrypt-hashed-password: true, bcrypt-complexity: 12,
  create-user: true}
mongoAclAuthorizer: {enabled: true, acl-db: restheart, acl-collection: acl, root-role: admin,
  cache-enabled: true, cache-size: 1_000, cache-ttl: 5_000}
originVetoer: {enabled: false, whitelist: [https://restheart.org, http://localhost], allow-missing-origin: true}
jwtTokenManager: {enabled: true, ttl: 15, srv-uri: /token}
rndTokenManager: {enabled: false, ttl: 15, srv-uri: /tokens}
authTokenService: {uri: /token, redirect-url: null}
authCookieSetter: {enabled: true, name: rh_auth, domain: localhost, path: /, http-only: true, same-site: true, same-site-mode: strict, ttl: 15}
authCookieHandler: {enabled: true}
authCookieRemover: {enabled: true, secure: false, defaultUri: /logout}
filterOperatorsBlacklist: {enabled: true, blacklist: ["$where"]}
aggregationSecurity: {enabled: true, stageBlacklist: ["$out","$merge","$lookup","$graphLookup","$unionWith"],
  operatorBlacklist: ["$where","$function","$accumulator"], allowCrossDatabaseOperations: false, allowJavaScriptExecution: false}
ping: {enabled: true, msg: Greetings from RESTHeart!, enable-extended-response: true}
roles: {uri: /roles}
`;

function assertSubset(expected: unknown, actual: unknown, path: string): void {
  if (isMap(expected)) {
    assert.ok(isMap(actual), `${path} should be a map`);
    for (const [k, v] of Object.entries(expected)) assertSubset(v, (actual as ConfigTree)[k], `${path}/${k}`);
  } else {
    assert.deepEqual(actual, expected, path);
  }
}

test('defaults contain every value of CONFIG.md §8', () => {
  const expected = parseConfigYaml(SECTION_8, '§8');
  assertSubset(expected, loadConfig(quiet).raw, '');
});

test('defaults: spot checks with the typed accessors', () => {
  const cfg = loadConfig(quiet);
  assert.equal(getNumber(section(cfg, 'mongo'), 'max-pagesize', 0), 1000);
  assert.equal(getNumber(section(cfg, 'http-listener'), 'port', 0), 8080);
  assert.equal(getString(section(cfg, 'http-listener'), 'host', ''), 'localhost');
  assert.equal(getBool(section(cfg, 'https-listener'), 'enabled', true), false);
  assert.equal(getNumber(section(cfg, 'https-listener'), 'port', 0), 4443);
  assert.equal(getString(section(cfg, 'core'), 'base-url', 'x'), 'x'); // null → default
  assert.equal(getNumber(section(cfg, 'connection-options'), 'MAX_ENTITY_SIZE', 0), -1);
  assert.equal(getNumber(section(cfg, 'connection-options'), 'MAX_PARAMETERS', 0), 1000);
  assert.equal(lookup(cfg, '/mongo/etag-check-policy/doc'), 'OPTIONAL');
  assert.equal(lookup(cfg, '/mongo/get-collection-cache-ttl'), 10000);
  assert.equal(lookup(cfg, '/mongo/local-cache-ttl'), 60000);
  assert.equal(lookup(cfg, '/database-probe/timeout-ms'), 2000);
  assert.equal(lookup(cfg, '/mongoRealmAuthenticator/cache-ttl'), 60000);
  assert.equal(lookup(cfg, '/bruteForceAttackGuard/max-failed-attempts'), 5);
  assert.equal(lookup(cfg, '/digestAuthMechanism/enabled'), false);
  assert.deepEqual(lookup(cfg, '/identityAuthMechanism/roles'), ['admin', 'user']);
  assert.equal(lookup(cfg, '/authCookieSetter/secure'), true);
  assert.equal(lookup(cfg, '/rootRoleGuard/enabled'), true);
  assert.equal(lookup(cfg, '/fileAclAuthorizer/permissions[1]/predicate'), "path-prefix('/')");
  assert.equal(lookup(cfg, '/logging/requests-log-mode'), 1);
  assert.deepEqual(getMap(section(cfg, 'mongoRealmAuthenticator'), 'create-user-document', null), {
    _id: 'admin', password: '$2a$12$lZiMMNJ6pkyg4uq/I1cF5uxzUbU25aXHtg7W7sD2ED7DG1wzUoo6u', roles: ['admin'],
  });
});

test('defaults: docrest sections cors and docrest', () => {
  const cfg = loadConfig(quiet);
  const cors = section(cfg, 'cors');
  assert.equal(cors['allow-origin'], 'echo');
  assert.equal(cors['profile'], 'seed');
  assert.equal(cors['max-age'], 86400);
  assert.equal(cors['allow-methods'], 'GET, PUT, POST, PATCH, DELETE, OPTIONS');
  assert.equal(cors['expose-headers'], 'Location, ETag, Auth-Token, Auth-Token-Valid-Until, Auth-Token-Location');
  assert.equal(cors['allow-headers'], 'Accept, Accept-Encoding, Authorization, Content-Length, Content-Type, Host, If-Match, Origin, X-Requested-With, User-Agent, No-Auth-Challenge');
  assert.deepEqual(cors['extra-expose-headers'], []);
  assert.equal(cors['vary-origin'], true);
  assert.deepEqual(section(cfg, 'docrest'), { 'data-dir': './data', 'max-body-size': 16777216, 'max-file-size': 4294967296, workers: 1, 'default-time-limit': 30000, 'transaction-lifetime-limit': 60,
    'change-streams': { 'log-retention': 86400, 'log-max-entries': 1000000, 'client-buffer': 4194304, heartbeat: 15 },
    'memory-release': { 'idle-seconds': 30, 'min-growth': 33554432 },
    'admin-ui': { enabled: true, uri: '/_admin' },
  });
  assert.equal(effectiveMaxBodySize(cfg), 16777216);
});

test('YAML 1.1 style: underscores, yes/on booleans, no y/n booleans, no dates, "." stays a string', () => {
  const v = parseConfigYaml('a: 1_000\nb: null\nc: yes\nd: off\ny: 1\nn: x\ne: 2024-01-01\nf: .\ng: 1:30\n', 't') as ConfigTree;
  assert.deepEqual(v, { a: 1000, b: null, c: true, d: false, y: 1, n: 'x', e: '2024-01-01', f: '.', g: '1:30' });
});

test('a configuration file is deep-merged over the defaults; lists replace', () => {
  const file = tmp('.yml', [
    '---',
    '# partial file',
    'http-listener:',
    '  port: "9090"',
    'mongo:',
    '  default-pagesize: 50',
    '  mongo-mounts:',
    '    - what: "*"',
    '      where: /',
    'mongoAclAuthorizer:',
    '  root-role: null',
    'proxies:',
    '',
  ].join('\n'));
  const cfg = loadConfig({ file, ...quiet });
  assert.equal(getNumber(section(cfg, 'http-listener'), 'port', 0), 9090);
  assert.equal(lookup(cfg, '/http-listener/host'), 'localhost');
  assert.equal(lookup(cfg, '/mongo/default-pagesize'), 50);
  assert.equal(lookup(cfg, '/mongo/max-pagesize'), 1000);
  assert.deepEqual(lookup(cfg, '/mongo/mongo-mounts'), [{ what: '*', where: '/' }]);
  assert.equal(lookup(cfg, '/mongoAclAuthorizer/root-role'), null);
  assert.equal(lookup(cfg, '/mongoAclAuthorizer/acl-db'), 'restheart');
  assert.deepEqual(getList(cfg.raw, 'proxies', []), []);
  assert.deepEqual(cfg.sources, ['defaults', `file ${file}`]);
});

test('a RESTHeart-style full file works unchanged (JSON string values, duplicate keys)', () => {
  const file = tmp('.yml', `${DEFAULT_CONFIG_YAML}\nmongo:\n  enabled: true\n  max-pagesize: 2_000\n`);
  const cfg = loadConfig({ file, ...quiet });
  assert.equal(lookup(cfg, '/mongo/max-pagesize'), 2000);
  assert.equal(lookup(cfg, '/jwtTokenManager/srv-uri'), '/token');
});

test('empty file gives the defaults; bad files are ConfigErrors', () => {
  assert.equal(lookup(loadConfig({ file: tmp('.yml', '# nothing\n'), ...quiet }), '/mongo/max-pagesize'), 1000);
  assert.throws(() => loadConfig({ file: tmp('.yml', '- a\n- b\n'), ...quiet }), ConfigError);
  assert.throws(() => loadConfig({ file: tmp('.yml', 'a: [1, 2\n'), ...quiet }), ConfigError);
  assert.throws(() => loadConfig({ file: join(dir, 'missing.yml'), ...quiet }), /not readable/);
});

test('override file .yml and .yaml: keys are paths', () => {
  for (const ext of ['.yml', '.yaml']) {
    const overrideFile = tmp(ext, '/core/name: prod\n/http-listener: {enabled: true, host: 0.0.0.0, port: 8181}\ncore/x: 1\n');
    const warnings: string[] = [];
    const cfg = loadConfig({ overrideFile, warn: (m) => warnings.push(m) });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /must start with \/.*core\/x/);
    assert.equal(lookup(cfg, '/core/name'), 'prod');
    assert.deepEqual(section(cfg, 'http-listener'), { enabled: true, host: '0.0.0.0', port: 8181 });
  }
});

test('override file .json and .jsonc allow comments', () => {
  const json = tmp('.json', '{\n  // instance name\n  "/core/name": "j",\n  /* page */ "/mongo/max-pagesize": 500\n}\n');
  const cfg = loadConfig({ overrideFile: json, ...quiet });
  assert.equal(lookup(cfg, '/core/name'), 'j');
  assert.equal(lookup(cfg, '/mongo/max-pagesize'), 500);
  const jsonc = tmp('.JSONC', '{ "/mongo/mongo-mounts": [{"what": "*", "where": "/"},], }');
  assert.deepEqual(lookup(loadConfig({ overrideFile: jsonc, ...quiet }), '/mongo/mongo-mounts'), [{ what: '*', where: '/' }]);
  assert.throws(() => loadConfig({ overrideFile: tmp('.json', '{"/a": }'), ...quiet }), ConfigError);
  assert.throws(() => loadConfig({ overrideFile: tmp('.json', '[1]'), ...quiet }), ConfigError);
});

test('override file .conf: RHO syntax, # lines ignored even inside a value', () => {
  const conf = tmp('.conf', [
    '# comment',
    '/core/name -> "c";',
    '/http-listener -> {',
    '    "enabled": true,',
    '    # Set to 0.0.0.0 to allow remote systems to connect',
    '    "host": "localhost",',
    '    "port": 8282',
    '};',
  ].join('\n'));
  const cfg = loadConfig({ overrideFile: conf, ...quiet });
  assert.equal(lookup(cfg, '/core/name'), 'c');
  assert.deepEqual(section(cfg, 'http-listener'), { enabled: true, host: 'localhost', port: 8282 });
});

test('override file with another extension is a startup error', () => {
  for (const name of ['o.txt', 'o.ini', 'o']) {
    assert.throws(() => loadConfig({ overrideFile: join(dir, name), ...quiet }), (e: unknown) =>
      e instanceof ConfigError && /extension/.test(e.message));
  }
});

test('order: file < override file < RHO < command line', () => {
  const file = tmp('.yml', 'core: {name: file}\nhttp-listener: {port: 1}\nmongo: {default-pagesize: 1}\n');
  const overrideFile = tmp('.conf', '/core/name -> "override";/http-listener/port -> 2;');
  const cfg = loadConfig({ file, overrideFile, rho: '/core/name->"rho"', ...quiet });
  assert.equal(lookup(cfg, '/core/name'), 'rho');
  assert.equal(lookup(cfg, '/http-listener/port'), 2);
  assert.equal(lookup(cfg, '/mongo/default-pagesize'), 1);
  applyCliArgs(cfg, { port: 3, dataDir: '/tmp/d', workers: 4 });
  assert.equal(lookup(cfg, '/http-listener/port'), 3);
  assert.deepEqual(section(cfg, 'docrest'), { 'data-dir': '/tmp/d', 'max-body-size': 16777216, 'max-file-size': 4294967296, workers: 4, 'default-time-limit': 30000, 'transaction-lifetime-limit': 60,
    'change-streams': { 'log-retention': 86400, 'log-max-entries': 1000000, 'client-buffer': 4194304, heartbeat: 15 },
    'memory-release': { 'idle-seconds': 30, 'min-growth': 33554432 },
    'admin-ui': { enabled: true, uri: '/_admin' },
  });
  assert.equal(cfg.sources.at(-1), 'command line');
});

test('maskSecrets masks secret names, connection-string passwords and JSON password fields', () => {
  const cfg = loadConfig({
    rho: '/jwtConfigProvider/key->"k3y-value";/https-listener/keystore-password->"ks-pass";' +
      '/mclient/connection-string->"mongodb://user:hunter2@db:27017/?authSource=admin";' +
      '/fileRealmAuthenticator/users[1]/password->"plain-pw"',
    ...quiet,
  });
  const masked = maskSecrets(cfg.raw);
  assert.equal(lookup({ raw: masked, sources: [] }, '/jwtConfigProvider/key'), '********');
  assert.equal(lookup({ raw: masked, sources: [] }, '/https-listener/keystore-password'), '********');
  assert.equal(lookup({ raw: masked, sources: [] }, '/https-listener/certificate-password'), null);
  assert.equal(lookup({ raw: masked, sources: [] }, '/mclient/connection-string'), 'mongodb://user:********@db:27017/?authSource=admin');
  assert.equal(lookup({ raw: masked, sources: [] }, '/fileRealmAuthenticator/users[1]/password'), '********');
  assert.equal(lookup({ raw: masked, sources: [] }, '/fileRealmAuthenticator/users[1]/userid'), 'admin');
  assert.doesNotMatch(String(lookup({ raw: masked, sources: [] }, '/mongoRealmAuthenticator/create-user-document')), /\$2a\$12/);
  // flags and field names that merely look secret stay readable
  assert.equal(lookup({ raw: masked, sources: [] }, '/mongoRealmAuthenticator/bcrypt-hashed-password'), true);
  assert.equal(lookup({ raw: masked, sources: [] }, '/mongoRealmAuthenticator/prop-password'), 'password');
  // the original is untouched
  assert.equal(lookup(cfg, '/jwtConfigProvider/key'), 'k3y-value');
  const printed = renderConfig(cfg.raw);
  for (const secret of ['k3y-value', 'ks-pass', 'hunter2', 'plain-pw', 'lZiMMNJ6']) assert.ok(!printed.includes(secret), secret);
  assert.match(printed, /max-pagesize: 1000/);
});

test('accessors tolerate YAML oddities', () => {
  const o: ConfigTree = { s: '8080', u: '1_000', f: ' 2.5 ', bad: 'abc', t: 'true', off: 'off', one: 1, nul: null, str: 'x', num: 7, list: ['a'], json: '{"a": 1}' };
  assert.equal(getNumber(o, 's', 0), 8080);
  assert.equal(getNumber(o, 'u', 0), 1000);
  assert.equal(getNumber(o, 'f', 0), 2.5);
  assert.equal(getNumber(o, 'bad', 42), 42);
  assert.equal(getNumber(o, 'nul', 42), 42);
  assert.equal(getNumber(o, 'missing', null), null);
  assert.equal(getBool(o, 't', false), true);
  assert.equal(getBool(o, 'off', true), false);
  assert.equal(getBool(o, 'one', false), true);
  assert.equal(getBool(o, 'str', null), null);
  assert.equal(getString(o, 'num', ''), '7');
  assert.equal(getString(o, 'list', 'd'), 'd');
  assert.deepEqual(getList(o, 'str', []), ['x']);
  assert.deepEqual(getList(o, 'list', []), ['a']);
  assert.deepEqual(getList(o, 'nul', ['d']), ['d']);
  assert.deepEqual(getMap(o, 'json', null), { a: 1 });
  assert.equal(getMap(o, 'str', null), null);
  assert.deepEqual(section(loadConfig(quiet), 'no-such-section'), {});
});

test('effectiveMaxBodySize: MAX_ENTITY_SIZE > 0 wins, otherwise docrest.max-body-size, <= 0 = unlimited', () => {
  assert.equal(effectiveMaxBodySize(loadConfig({ rho: '/connection-options/MAX_ENTITY_SIZE->1024', ...quiet })), 1024);
  assert.equal(effectiveMaxBodySize(loadConfig({ rho: '/docrest/max-body-size->"2_048"', ...quiet })), 2048);
  assert.equal(effectiveMaxBodySize(loadConfig({ rho: '/docrest/max-body-size->0', ...quiet })), Number.MAX_SAFE_INTEGER);
});
