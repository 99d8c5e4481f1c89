import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HELP_TEXT, parseArgs } from '../../src/config/cli-args.ts';
import { ConfigError } from '../../src/config/load.ts';

const base = { printDefault: false, printEffective: false, help: false, version: false, strictConfig: false };

test('no arguments', () => {
  assert.deepEqual(parseArgs([]), base);
});

test("RESTHeart's forms: positional file, -o, -t, -c, -h/--help, -v", () => {
  assert.deepEqual(parseArgs(['conf.yml', '-o', 'over.conf']), { ...base, configFile: 'conf.yml', overrideFile: 'over.conf' });
  assert.deepEqual(parseArgs(['-o', 'over.yml', 'conf.yml']), { ...base, configFile: 'conf.yml', overrideFile: 'over.yml' });
  assert.equal(parseArgs(['-t']).printDefault, true);
  assert.equal(parseArgs(['conf.yml', '-c']).printEffective, true);
  assert.equal(parseArgs(['-h']).help, true);
  assert.equal(parseArgs(['--help']).help, true);
  assert.equal(parseArgs(['-v']).version, true);
  assert.equal(parseArgs(['--version']).version, true);
});

test('--strict-config takes no value', () => {
  assert.equal(parseArgs(['--strict-config']).strictConfig, true);
  assert.throws(() => parseArgs(['--strict-config=yes']), ConfigError);
});

test("docrest's flags, with a space or '='", () => {
  assert.deepEqual(parseArgs(['--config', 'c.yml', '--port', '9000', '--data-dir', '/var/d', '--workers', '4']),
    { ...base, configFile: 'c.yml', port: 9000, dataDir: '/var/d', workers: 4 });
  assert.deepEqual(parseArgs(['--config=c.yml', '--port=0', '--data-dir=./x', '--workers=2', '--override=o.json']),
    { ...base, configFile: 'c.yml', port: 0, dataDir: './x', workers: 2, overrideFile: 'o.json' });
  assert.deepEqual(parseArgs(['--', '-odd-name.yml']), { ...base, configFile: '-odd-name.yml' });
});

test('errors are ConfigErrors with a clear message', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--bogus'], /unknown option '--bogus'/],
    [['-x'], /unknown option '-x'/],
    [['--port'], /--port requires a value/],
    [['-o'], /-o requires a value/],
    [['--port', 'abc'], /--port expects an integer/],
    [['--port', '70000'], /--port expects an integer/],
    [['--port', '-1'], /--port expects an integer/],
    [['--workers', '0'], /--workers expects an integer/],
    [['--data-dir='], /--data-dir expects a directory/],
    [['a.yml', 'b.yml'], /configuration file given twice/],
    [['a.yml', '--config', 'b.yml'], /configuration file given twice/],
    [['--help=yes'], /does not take a value/],
  ];
  for (const [argv, re] of cases) {
    assert.throws(() => parseArgs(argv), (e: unknown) => e instanceof ConfigError && re.test(e.message), argv.join(' '));
  }
});

test('HELP_TEXT documents every flag and RHO with an example', () => {
  for (const s of ['--config', '-o', '--override', '-t', '-c', '--port', '--data-dir', '--workers', '-h', '--help', '-v', '--version', 'RHO=', '.conf', '.jsonc', '.yaml']) {
    assert.ok(HELP_TEXT.includes(s), s);
  }
  assert.match(HELP_TEXT, /RHO='\/http-listener\/host->"0\.0\.0\.0"/);
});
