// The docrest command: help, printing configurations, overrides, bad flags.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';

const cli = new URL('../src/cli.ts', import.meta.url).pathname;

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('docrest CLI', () => {
  test('--help documents the flags and RHO', () => {
    const r = run(['--help']);
    assert.equal(r.code, 0);
    for (const s of ['--config', '-o', '-t', '-c', '--port', '--data-dir', 'RHO']) assert.ok(r.out.includes(s), s);
  });

  test('-t prints the default configuration', () => {
    const r = run(['-t']);
    assert.equal(r.code, 0);
    assert.match(r.out, /mongo-mounts:/);
    assert.match(r.out, /max-pagesize: 1_000|max-pagesize: 1000/);
  });

  test('-c applies file, -o and RHO in order and masks secrets', () => {
    const dir = mkdtempSync(join(tmpdir(), 'docrest-cli-'));
    const file = join(dir, 'restheart.yml');
    writeFileSync(file, 'core:\n  name: from-file\nmongo:\n  default-pagesize: 7\njwtConfigProvider:\n  key: my-very-secret-key\n');
    const over = join(dir, 'override.conf');
    writeFileSync(over, '/core/name->"from-override";\n');
    const r = run([file, '-o', over, '-c'], { RHO: '/mongo/default-pagesize->9' });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /name: from-override/);
    assert.match(r.out, /default-pagesize: 9/);
    assert.ok(!r.out.includes('my-very-secret-key'), 'the JWT key must be masked');
  });

  test('an unknown flag exits non-zero with a clear message', () => {
    const r = run(['--bogus']);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /bogus/);
  });

  test('an override file with an unknown extension is a configuration error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'docrest-cli-'));
    const over = join(dir, 'override.txt');
    writeFileSync(over, 'x');
    const r = run(['-o', over, '-c']);
    assert.equal(r.code, 1);
    assert.match(r.err, /configuration error/);
  });
});
