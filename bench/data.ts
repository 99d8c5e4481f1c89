// The benchmark's data: documents, and the loader that posts them to docrest in batches.
// BENCH_PORT: another port when 18080 is taken (a server someone else is measuring)
export const DOCREST_PORT = Number(process.env.BENCH_PORT ?? 18_080);
export const base = `http://127.0.0.1:${DOCREST_PORT}`;
export const AUTH = `Basic ${Buffer.from('admin:secret').toString('base64')}`;
export const JSON_HEADERS = { Authorization: AUTH, 'Content-Type': 'application/json' };

/** The document of the fixed workloads (W1, W3–W5): 322 bytes of BSON. */
export function doc(i: number): Record<string, unknown> {
  return {
    name: `item number ${i}`, qty: i % 100, price: (i % 1000) / 10 + 0.5, status: ['A', 'B', 'C'][i % 3],
    tags: ['alpha', 'beta', 'gamma'], created: { $date: 1_600_000_000_000 + i * 1000 },
    note: 'the quick brown fox jumps over the lazy dog '.repeat(4),
  };
}

export function linksDoc(i: number): Record<string, unknown> {
  const host = i === 500 ? 'apache.org' : `example${i}.org`;
  return { name: `site ${i}`, links: [{ url: `https://${host}/index.html`, rel: 'home' }, { url: `https://cdn${i}.net/lib.js`, rel: 'script' }], note: 'x'.repeat(200) };
}

/**
 * The document of the varying workloads and of W6: about 450 bytes of BSON. `n` (unique, never
 * indexed) and `links.url` (example<n>.org) find one document, `k` (indexed) ten.
 */
export function vdoc(i: number): Record<string, unknown> {
  return { ...doc(i), n: i, k: Math.floor(i / 10), links: [{ url: `http://example${i}.org/index.html` }, { url: `http://cdn${i}.example.net/lib.js` }] };
}

/** Timeout of the benchmark's own requests (setup, samples): a stalled server must not hang it. */
export const SETUP_TIMEOUT_MS = 120_000;

export async function http(method: string, path: string, body?: unknown): Promise<Response> {
  const r = await fetch(base + path, { method, headers: JSON_HEADERS, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(SETUP_TIMEOUT_MS) });
  if (r.status >= 400) throw new Error(`${method} ${path} → ${r.status} ${await r.text()}`);
  return r;
}

/** Creates a collection of n documents, posted in batches of 1000; the ids when asked for. */
export async function load(coll: string, n: number, make: (i: number) => Record<string, unknown>, keepIds = false): Promise<string[]> {
  const ids: string[] = [];
  await http('PUT', `/${coll}`);
  for (let i = 0; i < n; i += 1000) {
    const r = await http('POST', `/${coll}`, Array.from({ length: Math.min(1000, n - i) }, (_, j) => make(i + j)));
    if (keepIds) ids.push(...((await r.json()) as { links: string[] }).links.map((l) => l.slice(l.lastIndexOf('/') + 1)));
    else await r.arrayBuffer();
  }
  return ids;
}

/** A filter query path with `{v}` left unencoded for the load generator to fill in. */
export function filterPath(coll: string, filter: string, extra = ''): string {
  return `/${coll}?${extra}filter=${encodeURIComponent(filter).replaceAll('%7Bv%7D', '{v}')}`;
}
