// requestsMetricsCollector's include/exclude templates (Undertow's PathTemplate as RESTHeart uses it).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileTemplate, segmentsOf } from '../../src/metrics/path-templates.ts';

const cases: Array<[template: string, path: string, params: string[] | null]> = [
  ['/*', '/', []],
  ['/*', '/a/b/c', []],
  ['/metrics', '/metrics', []],
  ['/metrics', '/metrics/', []],
  ['/metrics', '/metrics/x', null],
  ['/metrics/*', '/metrics', null],
  ['/metrics/*', '/metrics/x', []],
  ['/metrics/*', '/metrics/x/y', []],
  ['/metrics/*', '/metricsx/y', null],
  ['/{db}/{coll}', '/a/b', ['a', 'b']],
  ['/{db}/{coll}', '/a', null],
  ['/{db}/{coll}', '/a/b/c', null],
  ['/{db}/{*}', '/a/b/c', ['a']],
  ['/{db}/_meta', '/a/_meta', ['a']],
  ['/{db}/_meta', '/a/b', null],
  ['/{coll}/{id}', '/c/%7Bx%7D', ['c', '{x}']],
  ['/caf\u00e9/*', '/caf%C3%A9/x', []],
];

for (const [template, path, params] of cases) {
  test(`${template} ${params ? 'matches' : 'does not match'} ${path}`, () => {
    const t = compileTemplate(template);
    const m = t.mayMatch(path) ? t.match(segmentsOf(path)) : null;
    assert.deepEqual(m?.params ?? null, params);
    if (m) assert.equal(m.template, template);
  });
}

test('a template must start with /', () => {
  assert.throws(() => compileTemplate('metrics'), /must start with \//);
});
