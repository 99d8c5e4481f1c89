// Plugin loading: a broken plugin stops the start with an error naming its file (nothing is left
// listening); modules in .mjs, .cjs and .ts, with their own node_modules (import, and require as
// RESTHeart's plugins use it); disabled plugins; the plugins' configuration sections are not
// "unknown keys"; every worker of a multi-worker server loads them.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { keyWarnings } from '../../src/config/key-check.ts';
import { call, spawnWorkers, startServer } from '../helpers/server.ts';
import { manifest, pluginsDir, type PluginFiles } from './support.ts';

const HELLO = "export const options = { name: 'hello', description: 'd', uri: '/hello' };\nexport function handle(req, res) { res.json({ hi: 1 }); }\n";
const svc = (name: string, uri: string, policy = 'PREFIX') =>
  `export const options = { name: '${name}', description: 'd', uri: '${uri}', matchPolicy: '${policy}' };\nexport function handle(req, res) { res.json({ from: '${name}' }); }\n`;

/** Starting with these plugins fails with an error matching `message` (which names the file). */
async function refused(files: PluginFiles, message: (dir: string) => RegExp): Promise<void> {
  const plugins = pluginsDir(files);
  try {
    await assert.rejects(startServer({ rho: plugins.rho }), (e: Error) => {
      assert.match(e.message, message(plugins.dir));
      return true;
    });
  } finally {
    plugins.remove();
  }
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('a broken plugin stops the start, naming its file', () => {
  const CASES: Array<{ name: string; files: PluginFiles; message: (dir: string) => RegExp }> = [
    { name: 'a service without handle', files: { p: { 'package.json': manifest(['s.mjs']), 's.mjs': "export const options = { name: 's', uri: '/s' };" } },
      message: (d) => new RegExp(`plugin ${esc(join(d, 'p', 's.mjs'))}: missing export \`handle\``) },
    { name: 'an interceptor without resolve', files: { p: { 'package.json': manifest([], ['i.mjs']), 'i.mjs': "export const options = { name: 'i' };\nexport function handle() {}" } },
      message: (d) => new RegExp(`plugin ${esc(join(d, 'p', 'i.mjs'))}: missing export \`resolve\``) },
    { name: 'no options', files: { p: { 'package.json': manifest(['s.mjs']), 's.mjs': 'export function handle() {}' } },
      message: (d) => new RegExp(`${esc(join(d, 'p', 's.mjs'))}: missing export \`options\``) },
    { name: 'options without a name', files: { p: { 'package.json': manifest(['s.mjs']), 's.mjs': "export const options = { uri: '/s' };\nexport function handle() {}" } },
      message: () => /s\.mjs: options\.name must be a non-empty string/ },
    { name: 'a uri not starting with /', files: { p: { 'package.json': manifest(['s.mjs']), 's.mjs': "export const options = { name: 's', uri: 's' };\nexport function handle() {}" } },
      message: () => /s\.mjs: options\.uri must be a path starting with \// },
    { name: 'a wrong matchPolicy', files: { p: { 'package.json': manifest(['s.mjs']), 's.mjs': "export const options = { name: 's', uri: '/s', matchPolicy: 'ALL' };\nexport function handle() {}" } },
      message: () => /s\.mjs: options\.matchPolicy must be PREFIX or EXACT/ },
    { name: 'a wrong interceptPoint', files: { p: { 'package.json': manifest([], ['i.mjs']), 'i.mjs': "export const options = { name: 'i', interceptPoint: 'LATER' };\nexport function handle() {}\nexport function resolve() { return true; }" } },
      message: () => /i\.mjs: options\.interceptPoint must be one of REQUEST_BEFORE_AUTH/ },
    { name: 'a wrong pluginClass', files: { p: { 'package.json': manifest([], ['i.mjs']), 'i.mjs': "export const options = { name: 'i', pluginClass: 'GraphQLInterceptor' };\nexport function handle() {}\nexport function resolve() { return true; }" } },
      message: () => /i\.mjs: options\.pluginClass must be one of StringInterceptor/ },
    { name: 'package.json that is not JSON', files: { p: { 'package.json': '{ "rh:services": [' } },
      message: (d) => new RegExp(`plugin ${esc(join(d, 'p', 'package.json'))}: not valid JSON`) },
    { name: 'rh:services that is not a list', files: { p: { 'package.json': '{ "rh:services": "s.mjs" }' } },
      message: () => /package\.json: "rh:services" must be a list of module paths/ },
    { name: 'a declared module that does not exist', files: { p: { 'package.json': manifest(['gone.mjs']) } },
      message: (d) => new RegExp(`plugin ${esc(join(d, 'p', 'gone.mjs'))}: declared in .*package\\.json \\(rh:services\\) but not found`) },
    { name: 'a module outside the plugin folder', files: { p: { 'package.json': manifest(['../q/s.mjs']) }, q: { 's.mjs': HELLO } },
      message: () => /package\.json: rh:services entry \.\.\/q\/s\.mjs is outside the plugin's folder/ },
    { name: 'a module that is not JavaScript or TypeScript', files: { p: { 'package.json': manifest(['s.txt']), 's.txt': HELLO } },
      message: () => /s\.txt: a plugin module is a \.mjs, \.js, \.cjs, \.ts, \.mts file/ },
    { name: 'a syntax error', files: { p: { 'package.json': manifest(['s.mjs']), 's.mjs': 'export const options = {;' } },
      message: (d) => new RegExp(`plugin ${esc(join(d, 'p', 's.mjs'))}: cannot be loaded: .*Unexpected token`) },
    { name: 'a module that throws while loading', files: { p: { 'package.json': manifest(['s.mjs']), 's.mjs': "throw new Error('no config file');" } },
      message: () => /s\.mjs: cannot be loaded: no config file/ },
    { name: 'an import that does not resolve (no npm install)', files: { p: { 'package.json': manifest(['s.mjs']), 's.mjs': "import x from 'not-installed-anywhere';\n" + HELLO } },
      message: () => /s\.mjs: cannot be loaded: Cannot find package 'not-installed-anywhere'/ },
    { name: 'two plugins on the same uri', files: { a: { 'package.json': manifest(['s.mjs']), 's.mjs': svc('first', '/same') }, b: { 'package.json': manifest(['s.mjs']), 's.mjs': svc('second', '/same') } },
      message: (d) => new RegExp(`plugin ${esc(join(d, 'b', 's.mjs'))}: service second: uri /same \\(PREFIX\\) is taken by service first`) },
    { name: 'a plugin on the uri of a built-in service', files: { a: { 'package.json': manifest(['s.mjs']), 's.mjs': svc('myPing', '/ping', 'EXACT') } },
      message: () => /s\.mjs: service myPing: uri \/ping \(EXACT\) is taken by service ping/ },
    { name: 'two plugins with the same name', files: { a: { 'package.json': manifest(['s.mjs']), 's.mjs': svc('twin', '/one') }, b: { 'package.json': manifest(['s.mjs']), 's.mjs': svc('twin', '/two') } },
      message: (d) => new RegExp(`plugin ${esc(join(d, 'b', 's.mjs'))}: the name twin is taken by ${esc(join(d, 'a', 's.mjs'))}`) },
  ];
  for (const c of CASES) test(c.name, () => refused(c.files, c.message));
});

describe('loading', () => {
  test('no plugins directory (RESTHeart\'s default names one): the server starts', async () => {
    const srv = await startServer({ rho: `/core/plugins-directory->"${join(tmpdir(), 'docrest-no-such-plugins-dir')}"` });
    try {
      assert.equal((await call(srv, 'GET', '/ping')).status, 200);
    } finally {
      await srv.close();
    }
  });

  test('.mjs, .cjs and .ts modules, the plugin\'s own node_modules (import and require), a folder without package.json, a disabled plugin', async () => {
    const plugins = pluginsDir({
      deps: {
        'package.json': manifest(['esm.mjs', 'req.mjs', 'common.cjs', 'typed.ts', 'off.mjs']),
        'node_modules/greeting/package.json': JSON.stringify({ name: 'greeting', version: '1.0.0', main: 'index.js' }),
        'node_modules/greeting/index.js': "module.exports = (n) => `hello ${n}`;",
        'esm.mjs': "import greet from 'greeting';\n" + svc('esm', '/esm').replace("{ from: 'esm' }", "{ from: greet('esm') }"),
        // RESTHeart's require-module-service.mjs style: require at the top of an ES module
        'req.mjs': "const greet = require('greeting');\n" + svc('req', '/req').replace("{ from: 'req' }", "{ from: greet('req') }"),
        'common.cjs': "exports.options = { name: 'cjs', description: 'd', uri: '/cjs' };\nexports.handle = (req, res) => res.json({ from: 'cjs' });\n",
        'typed.ts': "import type { PluginRequest, PluginResponse, ServiceOptions } from 'docrest/plugin';\n" +
          "export const options: ServiceOptions = { name: 'typed', uri: '/typed' };\n" +
          'export function handle(req: PluginRequest, res: PluginResponse): void { const n: number = 2; res.json({ from: `ts${n}` }); }\n',
        'off.mjs': svc('offService', '/off'),
      },
      notes: { 'README.md': 'no package.json: not a plugin' },
    });
    const srv = await startServer({ rho: `${plugins.rho};/offService->{"enabled":false}` });
    try {
      for (const [path, from] of [['/esm', 'hello esm'], ['/req', 'hello req'], ['/cjs', 'cjs'], ['/typed', 'ts2']]) {
        const r = await call(srv, 'GET', path);
        assert.equal(r.status, 200, `${path}: ${r.text}`);
        assert.deepEqual(r.json(), { from }, path);
      }
      // not mounted: the path is the MongoDB API's
      const off = await call(srv, 'GET', '/off');
      assert.notDeepEqual(off.status === 200 ? off.json() : undefined, { from: 'offService' });
    } finally {
      await srv.close();
      plugins.remove();
    }
  });

  test("a plugin's configuration section is not an unknown key", () => {
    const tree = { myPlugin: { enabled: true, arg: 1 }, notAPlugin: { x: 1 } };
    assert.deepEqual(keyWarnings(tree, ['myPlugin']), ['unknown configuration key notAPlugin (a typo?): docrest ignores it']);
  });
});

test('every worker of a two-worker server loads the plugins', async () => {
  const plugins = pluginsDir({ p: { 'package.json': manifest(['pid.mjs']), 'pid.mjs': svc('pid', '/pid').replace("{ from: 'pid' }", '{ pid: process.pid }') } });
  const dataDir = mkdtempSync(join(tmpdir(), 'docrest-plugins-workers-'));
  const { url, child } = await spawnWorkers({ dataDir, workers: 2, rho: plugins.rho });
  try {
    // a fresh connection per request: node:cluster hands connections to the workers in turn
    const pids = new Set<number>();
    for (let i = 0; i < 20 && pids.size < 2; i++) {
      const r = await fetch(`${url}/pid`, { headers: { Connection: 'close' } });
      assert.equal(r.status, 200);
      pids.add(((await r.json()) as { pid: number }).pid);
    }
    assert.equal(pids.size, 2);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
    plugins.remove();
  }
});

test('a broken plugin stops a multi-worker server before any worker starts', async () => {
  const plugins = pluginsDir({ p: { 'package.json': manifest(['bad.mjs']), 'bad.mjs': 'export function handle() {}' } });
  const dataDir = mkdtempSync(join(tmpdir(), 'docrest-plugins-workers-'));
  const cli = new URL('../../src/cli.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, [cli, '--port', '0', '--data-dir', dataDir, '--workers', '2'], {
    env: { ...process.env, RHO: `/http-listener/host->"127.0.0.1";${plugins.rho}` },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let said = '';
  child.stderr!.on('data', (chunk: Buffer) => { said += chunk.toString(); });
  const code = await new Promise((r) => child.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
  plugins.remove();
  assert.equal(code, 1);
  assert.match(said, /bad\.mjs: missing export `options`/);
  assert.doesNotMatch(said, /workers starting/);
});
