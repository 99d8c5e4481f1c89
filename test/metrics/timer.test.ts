// The Dropwizard timer behind http_requests_*: rates ticked every 5 s, quantiles interpolated as
// Dropwizard's UniformSnapshot does. Time is passed in, so nothing here waits.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Timer } from '../../src/metrics/timer.ts';

test('rates: the first tick sets each average to the instant rate, idle ticks decay it', () => {
  const t = new Timer(0);
  for (let i = 0; i < 50; i++) t.record(i * 10, 1);
  const [m15, m5, m1, mean] = t.ratesAt(5000);
  // 50 events in the first 5 s interval: 10 per second
  assert.equal(m1, 10);
  assert.equal(m5, 10);
  assert.equal(m15, 10);
  assert.equal(mean, 10);
  const later = t.ratesAt(65_000);
  // 12 idle ticks: each multiplies by 1 - alpha = e^(-5/window)
  assert.ok(Math.abs(later[2] - 10 * Math.exp(-60 / 60)) < 1e-9);
  assert.ok(Math.abs(later[1] - 10 * Math.exp(-60 / 300)) < 1e-9);
  assert.ok(Math.abs(later[0] - 10 * Math.exp(-60 / 900)) < 1e-9);
  assert.ok(Math.abs(later[3] - 50 / 65) < 1e-9);
});

test('no request yet: every rate is 0', () => {
  assert.deepEqual(new Timer(0).ratesAt(1000), [0, 0, 0, 0]);
});

test('quantiles in seconds over the recorded milliseconds', () => {
  const t = new Timer(0);
  for (let ms = 1; ms <= 100; ms++) t.record(0, ms);
  const q = new Map(t.quantiles());
  // UniformSnapshot: pos = q * (n + 1), interpolated between neighbours
  assert.ok(Math.abs(q.get(0.5)! - 0.0505) < 1e-12);
  assert.ok(Math.abs(q.get(0.75)! - 0.07575) < 1e-12);
  assert.equal(q.get(0.999), 0.1);
  assert.deepEqual(new Timer(0).quantiles().map(([, v]) => v), [0, 0, 0, 0, 0, 0]);
});

test('quantiles come from the last 1028 requests', () => {
  const t = new Timer(0);
  for (let i = 0; i < 1028; i++) t.record(0, 1000);
  for (let i = 0; i < 1028; i++) t.record(0, 2);
  assert.ok(t.quantiles().every(([, v]) => v === 0.002));
  assert.equal(t.count, 2056);
});
