// /metrics as RESTHeart's metrics service and requestsMetricsCollector: requests timed per include
// template with RESTHeart's names and labels, exclude templates, the registry list, docrest's own
// registry, 404/405/401, and the configuration keys.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, startServer, type TestServer } from '../helpers/server.ts';
import { parseText, samples, valueOf, type Sample } from './prometheus-text.ts';

const NOBODY = { Authorization: '' };
// the default mount puts collections at /{coll}, documents at /{coll}/{id}
const COLLECTOR = '/requestsMetricsCollector->{enabled:true,include:["/*","/{coll}/{id}"],exclude:["/metrics","/metrics/*","/skip/*"]}';

async function scrape(srv: TestServer, registry: string): Promise<Sample[]> {
  const r = await call(srv, 'GET', `/metrics${registry}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return samples(parseText(r.text));
}

describe('requestsMetricsCollector and /metrics', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({ rho: COLLECTOR });
  });
  after(async () => srv.close());

  // [method, path, headers, expected status, body]; the figures below are counted from this table
  const requests: Array<[string, string, Record<string, string>, number, unknown?]> = [
    ['GET', '/ping', {}, 200],
    ['GET', '/ping', NOBODY, 200],
    ['PUT', '/mcoll', {}, 201],
    ['POST', '/mcoll', {}, 201, { _id: 'd.1' }],
    ['GET', '/mcoll', {}, 200],
    ['GET', '/mcoll', {}, 200],
    ['GET', '/mcoll', {}, 200],
    ['GET', '/mcoll/d.1', {}, 200],
    ['GET', '/mcoll/d.1', {}, 200],
    ['GET', '/mcoll/d.1', NOBODY, 401],
    ['GET', '/mcoll/nothere', {}, 404],
    ['DELETE', '/skip/x', {}, 404],
    ['GET', '/metrics', {}, 200],
  ];

  test('the requests are answered as expected', async () => {
    for (const [method, path, headers, status, body] of requests) {
      const r = await call(srv, method, path, { headers, body });
      assert.equal(r.status, status, `${method} ${path}: ${r.text}`);
    }
  });

  test('GET /metrics lists the registries: the include templates that timed a request, then /docrest', async () => {
    const r = await call(srv, 'GET', '/metrics');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), ['/*', '/{coll}/{id}', '/docrest']);
    assert.deepEqual((await call(srv, 'GET', '/metrics/')).json(), ['/*', '/{coll}/{id}', '/docrest']);
  });

  test('registry /*: http_requests_count by method and status; excluded paths and /metrics itself are not counted', async () => {
    const all = await scrape(srv, '/*');
    const counts = all.filter((s) => s.name === 'http_requests_count');
    const expected = new Map<string, number>();
    for (const [method, path, , status] of requests) {
      if (path.startsWith('/skip/') || path.startsWith('/metrics')) continue;
      const k = `${method} ${status}`;
      expected.set(k, (expected.get(k) ?? 0) + 1);
    }
    const got = new Map(counts.map((s) => [`${s.labels.request_method} ${s.labels.response_status_code}`, s.value]));
    assert.deepEqual(got, expected);
    for (const s of counts) assert.deepEqual(Object.keys(s.labels), ['request_method', 'path_template', 'response_status_code']);
    assert.ok(counts.every((s) => s.labels.path_template === '/*'));
  });

  test('registry /*: rates per period and duration quantiles, as RESTHeart writes a timer', async () => {
    const text = (await call(srv, 'GET', '/metrics/*')).text;
    const families = parseText(text);
    assert.equal(families[0]!.name, 'http_requests_duration');
    assert.equal(families[0]!.type, 'SUMMARY');
    assert.equal(families[0]!.help, 'HTTP request duration and rate');
    assert.deepEqual(Object.keys(families[0]!.metrics[0]!.quantiles!).sort(), ['0.5', '0.75', '0.95', '0.98', '0.99', '0.999']);
    const all = samples(families);
    const rates = all.filter((s) => s.name === 'http_requests_rate' && s.labels.request_method === 'GET' && s.labels.response_status_code === '200');
    assert.deepEqual(rates.map((s) => s.labels.period), ['15 minutes', '5 minutes', '1 minute', 'overall']);
    assert.ok(rates.every((s) => Number.isFinite(s.value) && s.value >= 0));
    assert.ok(rates.at(-1)!.value > 0, 'the overall rate counts the requests so far');
    // the durations of the second label set on are separate samples with all their labels
    const durations = all.filter((s) => s.name === 'http_requests_duration');
    assert.ok(durations.length > 0 && durations.every((s) => s.value >= 0 && s.value < 60 && s.labels.quantile !== undefined));
  });

  test('registry /{coll}/{id}: one label per template parameter (sorted by name), dots in values as _', async () => {
    const all = await scrape(srv, '/%7Bcoll%7D/%7Bid%7D');
    const counts = all.filter((s) => s.name === 'http_requests_count');
    const labels = { request_method: 'GET', path_template: '/{coll}/{id}', response_status_code: '200', path_template_param_coll: 'mcoll', path_template_param_id: 'd_1' };
    assert.equal(valueOf(all, 'http_requests_count', labels), 2);
    assert.deepEqual(Object.keys(counts.find((s) => s.labels.response_status_code === '200')!.labels), Object.keys(labels));
    assert.equal(valueOf(all, 'http_requests_count', { response_status_code: '401', path_template_param_id: 'd_1' }), 1);
    assert.equal(valueOf(all, 'http_requests_count', { response_status_code: '404', path_template_param_id: 'nothere' }), 1);
    // /mcoll is not of this template, /skip/x is excluded
    assert.equal(counts.length, 3);
  });

  test('registry /docrest: process, event loop, engine and change-stream figures', async () => {
    const all = await scrape(srv, '/docrest');
    for (const name of ['process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes', 'docrest_engine_result_cache_misses_total']) {
      assert.ok((valueOf(all, name) ?? -1) >= 0, name);
    }
    assert.ok(valueOf(all, 'process_resident_memory_bytes')! > 0);
    assert.equal(valueOf(all, 'docrest_processes'), 1);
    // the same query thrice: the third is answered from the result cache (admitted on its second)
    assert.ok(valueOf(all, 'docrest_engine_result_cache_hits_total')! >= 1);
    assert.ok(valueOf(all, 'docrest_engine_documents_scanned_total', { plan: 'collection' })! >= 0);
    assert.equal(valueOf(all, 'docrest_change_stream_clients', { transport: 'sse' }), 0);
    assert.equal(valueOf(all, 'docrest_change_stream_clients', { transport: 'websocket' }), 0);
  });

  const errors: Array<[string, string, Record<string, string>, number]> = [
    ['GET', '/metrics/nope', {}, 404],
    ['GET', '/metrics/ping', {}, 404],
    ['POST', '/metrics', {}, 405],
    ['PUT', '/metrics/*', {}, 405],
    ['DELETE', '/metrics/docrest', {}, 405],
    ['GET', '/metrics', NOBODY, 401],
    ['GET', '/metrics/docrest', NOBODY, 401],
  ];
  for (const [method, path, headers, status] of errors) {
    test(`${method} ${path}${headers.Authorization === '' ? ' without credentials' : ''} → ${status}`, async () => {
      const r = await call(srv, method, path, { headers });
      assert.equal(r.status, status, r.text);
      if (status !== 401) assert.equal(r.json()['http status code'], status);
    });
  }
});

describe('metrics configuration', () => {
  const servers: TestServer[] = [];
  after(async () => {
    for (const s of servers) await s.close();
  });
  const start = async (rho: string) => {
    const s = await startServer({ rho });
    servers.push(s);
    return s;
  };

  test("by default (RESTHeart's shipped configuration) every path but /metrics is timed in /*", async () => {
    const srv = await start('');
    await call(srv, 'GET', '/ping');
    assert.deepEqual((await call(srv, 'GET', '/metrics')).json(), ['/*', '/docrest']);
    const all = samples(parseText((await call(srv, 'GET', '/metrics/*')).text));
    assert.deepEqual(all.filter((s) => s.name === 'http_requests_count').map((s) => [s.labels.request_method, s.labels.response_status_code, s.value]), [['GET', '200', 1]]);
  });

  test('requestsMetricsCollector.enabled: false times nothing: only /docrest is listed', async () => {
    const srv = await start('/requestsMetricsCollector/enabled->false');
    await call(srv, 'GET', '/ping');
    assert.deepEqual((await call(srv, 'GET', '/metrics')).json(), ['/docrest']);
    assert.equal((await call(srv, 'GET', '/metrics/*')).status, 404);
  });

  test('missing-registry-status-code: 200 answers an unknown registry with an empty body', async () => {
    const srv = await start('/metrics->{enabled:true,missing-registry-status-code:200}');
    const r = await call(srv, 'GET', '/metrics/nope');
    assert.equal(r.status, 200);
    assert.equal(r.text, '');
  });

  test('metrics.uri moves the service; metrics.enabled: false removes it', async () => {
    const moved = await start(`/metrics->{uri:"/prom"};${COLLECTOR}`);
    await call(moved, 'GET', '/ping');
    assert.deepEqual((await call(moved, 'GET', '/prom')).json(), ['/*', '/docrest']);
    // the exclude templates name /metrics, not the moved uri: /ping and GET /prom are timed
    assert.equal(valueOf(samples(parseText((await call(moved, 'GET', '/prom/*')).text)), 'http_requests_count', { request_method: 'GET', response_status_code: '200' }), 2);
    const off = await start(`/metrics->{enabled:false};${COLLECTOR}`);
    // /metrics is then a database name for the MongoDB API
    const r = await call(off, 'GET', '/metrics');
    assert.equal(r.status, 404);
    assert.match(r.text, /does not exist/);
  });
});

test('an include or exclude template that does not start with / stops the start with a configuration error', async () => {
  await assert.rejects(startServer({ rho: '/requestsMetricsCollector->{enabled:true,include:["ping"]}' }), /requestsMetricsCollector\.include: a path template must start with \/: ping/);
});
