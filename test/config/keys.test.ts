// The key table: every key of RESTHeart's default configuration and of docrest's is classified,
// unsupported values and unknown keys are named, `-c` shows the classification, README's table is
// the code's.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { classify, keyTableMarkdown, keyWarnings, renderAnnotated } from '../../src/config/key-check.ts';
import { defaultTree, loadConfig, maskSecrets, parseConfigYaml, type ConfigTree } from '../../src/config/load.ts';

const RESTHEART_FILE = new URL('./restheart-default-config.yml', import.meta.url).pathname;
const quiet = { warn: () => {} };

test("every key of docrest's built-in defaults is classified and asks for nothing unsupported", () => {
  const unknown = classify(defaultTree()).filter((f) => f.status === 'unknown').map((f) => f.path);
  assert.deepEqual(unknown, [], 'add these keys to src/config/keys.ts');
  assert.deepEqual(keyWarnings(defaultTree()), []);
});

test("every key of RESTHeart's default configuration is classified", () => {
  const tree = parseConfigYaml(readFileSync(RESTHEART_FILE, 'utf8'), 'fixture') as ConfigTree;
  assert.deepEqual(classify(tree).filter((f) => f.status === 'unknown').map((f) => f.path), []);
  // RESTHeart's file enables a feature docrest lacks, and docrest says so
  const warned = classify(tree).filter((f) => f.warn).map((f) => f.path);
  assert.deepEqual(warned, ['graphql']);
});

test('a typo and an unsupported value each get one warning naming the key; quiet values none', () => {
  const cfg = loadConfig({
    ...quiet,
    rho: [
      '/http-listner/port->8081', '/core/io-threads->8', '/digestAuthMechanism/enabled->true', '/accountsService->{enabled:true}',
      '/core/io-threads->8', '/logging/requests-log-mode->1', '/mongo/local-cache-ttl->5', '/emails->{enabled:false,smtp-password:"x"}',
      '/https-listener/keystore-pasword->"hunter2"',
    ].join(';'),
  });
  const warnings = keyWarnings(cfg.raw);
  assert.equal(warnings.length, 5, warnings.join('\n'));
  assert.match(warnings.find((w) => w.includes('http-listner'))!, /unknown configuration key http-listner \(a typo\?\)/);
  assert.match(warnings.find((w) => w.includes('io-threads'))!, /core\.io-threads = 8 is not supported by docrest: JVM/);
  assert.ok(warnings.some((w) => w.includes('digestAuthMechanism.enabled = true')));
  assert.ok(warnings.some((w) => w.includes('accountsService = {…}')));
  const typo = warnings.find((w) => w.includes('keystore-pasword'))!;
  assert.ok(!warnings.join('\n').includes('hunter2'), 'a secret-looking key is masked');
  assert.match(typo, /unknown configuration key https-listener\.keystore-pasword/);
});

test('-c: each key with its classification, still the same YAML', () => {
  const cfg = loadConfig({ ...quiet, rho: '/digestAuthMechanism->{enabled:true};/oops->1;/jwtConfigProvider/key->"s3cret"' });
  const text = renderAnnotated(maskSecrets(cfg.raw));
  assert.deepEqual(parse(text, { version: '1.1' }), maskSecrets(cfg.raw));
  assert.match(text, /^ {2}port: 8080 # honoured$/m);
  assert.match(text, /^ {2}keystore-path: null # honoured differently: PKCS#12/m);
  assert.match(text, /^ {2}enabled: true # not supported: Digest authentication is not built -- THIS VALUE IS IGNORED$/m);
  assert.match(text, /^oops: 1 # UNKNOWN KEY/m);
  assert.match(text, /^ {2}mongo-mounts: # honoured$/m);
  assert.match(text, /^ {2}data-dir: \.\/data # docrest's own/m);
  assert.ok(!text.includes('s3cret'));
});

test("README's key table is the code's", () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  assert.ok(readme.includes(keyTableMarkdown()), 'README.md: paste the output of keyTableMarkdown() (src/config/key-check.ts) into the key table');
});
