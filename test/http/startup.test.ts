// Listeners and keys docrest cannot honour: a startup error naming the key and the value (the
// command: one line, exit code 1, nothing listening); warnings for what it starts despite;
// `--strict-config`; `-c` with the classification; workers sharing both listeners.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { start } from '../../src/app.ts';
import { ConfigError, applyCliArgs, loadConfig } from '../../src/config/load.ts';
import { freePort, https1, makeExpiredPem, makeTls, type TlsFiles } from './tls-support.ts';

const cli = new URL('../../src/cli.ts', import.meta.url).pathname;
const json = JSON.stringify;
const root = mkdtempSync(join(tmpdir(), 'docrest-startup-'));
let dirs = 0;
let tls: TlsFiles;

interface Run { code: number | null; out: string; err: string; urls: string[] }

/**
 * Runs docrest; with `listening`, waits for its listening line, then stops it. Each run gets its
 * own data directory and listens on 127.0.0.1.
 */
function run(rho: string, args: string[] = [], opts: { listening?: boolean } = {}): Promise<Run> {
  const dataDir = join(root, `d${dirs++}`);
  const env = { ...process.env, RHO: `/http-listener/host->"127.0.0.1";/https-listener/host->"127.0.0.1";${rho}` };
  const child = spawn(process.execPath, [cli, '--data-dir', dataDir, ...args], { env });
  let out = '';
  let err = '';
  let urls: string[] = [];
  child.stdout.on('data', (d: Buffer) => {
    out += d;
    const m = /listening on ([^ ]+(?:, [^ ]+)*) \(/.exec(out);
    if (m && urls.length === 0) {
      urls = m[1]!.split(', ');
      if (opts.listening) child.kill('SIGTERM');
    }
  });
  child.stderr.on('data', (d: Buffer) => { err += d; });
  // generous: a loaded machine starts node slowly
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => child.on('exit', (code) => {
    clearTimeout(timer);
    resolve({ code, out, err, urls });
  }));
}

/** exit code 1, nothing served, and exactly one error line, which matches `re` */
function refused(r: Run, re: RegExp): void {
  assert.equal(r.code, 1, r.err);
  assert.deepEqual(r.urls, [], 'nothing may listen');
  const errors = r.err.split('\n').filter((l) => /error/i.test(l));
  assert.equal(errors.length, 1, r.err);
  assert.match(errors[0]!, re);
}

const httpsOn = (extra: string) => `/https-listener/enabled->true;/https-listener/port->0;/http-listener/port->0;${extra}`;
const keystore = (path: string, password: string) => `/https-listener/keystore-path->${json(path)};/https-listener/keystore-password->${json(password)}`;

let busy: Server;
let busyPort: number;

before(async () => {
  tls = makeTls();
  busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
  busyPort = (busy.address() as { port: number }).port;
});

after(() => {
  busy.close();
  rmSync(root, { recursive: true, force: true });
});

/** The same errors in-process: start() refuses before it opens anything. */
async function refusedInProcess(rho: string, re: RegExp): Promise<void> {
  const cfg = applyCliArgs(loadConfig({ rho: `/http-listener/host->"127.0.0.1";/https-listener/host->"127.0.0.1";${rho}`, warn: () => {} }), {
    dataDir: join(root, `d${dirs++}`),
  });
  const outcome = await start(cfg, { logLevel: 'fatal' }).then(async (running) => {
    await running.close();
    return 'started';
  }, (e: unknown) => e);
  assert.ok(outcome instanceof ConfigError, String(outcome));
  assert.match(outcome.message, re);
}

describe('listener configuration errors name the key and the value', { concurrency: true }, () => {
  test('an unreadable keystore', async () => {
    const dir = join(root, 'a-directory.p12');
    mkdirSync(dir);
    await refusedInProcess(httpsOn(keystore(dir, 'x')), /^https-listener\.keystore-path: .*a-directory\.p12 is not readable \(EISDIR\)$/);
  });

  test('a wrong keystore password', async () => {
    await refusedInProcess(httpsOn(keystore(tls.p12, 'wrong')), /^https-listener\.keystore-password: wrong password for the keystore .*keystore\.p12$/);
  });

  test('a JKS keystore: how to convert it', async () => {
    const jks = join(root, 'keystore.jks');
    writeFileSync(jks, Buffer.from('feedfeed000000020000000100000001', 'hex'));
    await refusedInProcess(httpsOn(keystore(jks, 'changeit')),
      /^https-listener\.keystore-path: .*keystore\.jks is a Java \(JKS\) keystore.*keytool -importkeystore -srckeystore .*keystore\.jks -destkeystore keystore\.p12 -deststoretype PKCS12/);
  });

  test('a PEM file given as keystore', async () => {
    await refusedInProcess(httpsOn(keystore(tls.cert, 'x')), /^https-listener\.keystore-path: .*cert\.pem is a PEM file, not a PKCS#12 keystore; set docrest\.tls\.cert/);
  });

  test('a PEM key that does not belong to the certificate', async () => {
    const other = makeTls();
    await refusedInProcess(httpsOn(`/docrest/tls->{cert:${json(tls.cert)},key:${json(other.key)}}`),
      /^docrest\.tls\.key: .*key\.pem cannot be used with docrest\.tls\.cert .*cert\.pem \(the key does not belong to the certificate\)$/);
  });

  test('a PEM certificate that is not one, and half of a PEM pair', async () => {
    await refusedInProcess(httpsOn(`/docrest/tls->{cert:${json(tls.key)},key:${json(tls.key)}}`), /^docrest\.tls\.cert: .*key\.pem is not a PEM certificate/);
    await refusedInProcess(httpsOn(`/docrest/tls->{cert:${json(tls.cert)}}`), /^docrest\.tls\.key is not set/);
  });

  test('an encrypted PEM key without its passphrase', async () => {
    const enc = join(root, 'enc-key.pem');
    writeFileSync(enc, execFileSync('openssl', ['pkey', '-in', tls.key, '-aes256', '-passout', 'pass:kpw']));
    const pem = `/docrest/tls->{cert:${json(tls.cert)},key:${json(enc)}}`;
    await refusedInProcess(httpsOn(pem), /^https-listener\.certificate-password: not set, but the private key .*enc-key\.pem is encrypted$/);
    await refusedInProcess(httpsOn(`${pem};/https-listener/certificate-password->"bad"`), /^https-listener\.certificate-password: wrong passphrase/);
  });

  test('a keystore and PEM files at once', async () => {
    await refusedInProcess(httpsOn(`${keystore(tls.p12, 'changeit')};/docrest/tls/cert->${json(tls.cert)}`), /both set: use either a PKCS#12 keystore or PEM files/);
  });

  test('https enabled without a certificate', async () => {
    await refusedInProcess(httpsOn(''), /^https-listener\.enabled is true but there is no certificate/);
  });

  test('an invalid port', async () => {
    await refusedInProcess('/http-listener/port->"eighty"', /^http-listener\.port: "eighty" is not a port number/);
    await refusedInProcess(httpsOn(`${keystore(tls.p12, 'changeit')};/https-listener/port->70000`), /^https-listener\.port: 70000 is not a port number/);
  });

  test('the https port in use: the http listener already up is closed again', async () => {
    const httpPort = await freePort();
    await refusedInProcess(httpsOn(`${keystore(tls.p12, tls.p12Password)};/https-listener/port->${busyPort};/http-listener/port->${httpPort}`),
      /^https-listener\.port: \d+ is already in use on 127\.0\.0\.1 \(EADDRINUSE\)$/);
    await assert.rejects(fetch(`http://127.0.0.1:${httpPort}/ping`));
  });

  test('the AJP listener', async () => {
    await refusedInProcess('/ajp-listener/enabled->true', /^ajp-listener\.enabled: true, but docrest has no AJP listener/);
  });

  test('no listener at all', async () => {
    await refusedInProcess('/http-listener/enabled->false', /^no listener is enabled/);
  });
});

describe('the command: one error line, exit code 1, nothing listening', { concurrency: 3 }, () => {
  test('a missing keystore', async () => {
    refused(await run(httpsOn(keystore('/nonexistent/ks.p12', 'x'))), /^configuration error: https-listener\.keystore-path: \/nonexistent\/ks\.p12 is not readable \(ENOENT\)$/);
  });

  test('a port in use', async () => {
    refused(await run(`/http-listener/port->${busyPort}`), new RegExp(`^configuration error: http-listener\\.port: ${busyPort} is already in use on 127\\.0\\.0\\.1 \\(EADDRINUSE\\)$`));
  });

  test('a host that cannot be bound', async () => {
    // 192.0.2.1 is TEST-NET-1: never an address of this machine
    refused(await run('/http-listener/host->"192.0.2.1";/http-listener/port->0'), /http-listener\.host: 192\.0\.2\.1 cannot be bound \(EADDRNOTAVAIL\)/);
  });

  test('a port in use with two workers', async () => {
    refused(await run(`/http-listener/port->${busyPort}`, ['--workers', '2']), /http-listener\.port: \d+ is already in use/);
  });
});

describe('warnings', { concurrency: 3 }, () => {
  test('an expired certificate: a warning, and docrest serves', async () => {
    const old = makeExpiredPem(join(tls.dir));
    const r = await run(httpsOn(`/docrest/tls->{cert:${json(old.cert)},key:${json(old.key)}}`), [], { listening: true });
    assert.equal(r.urls.length, 2, r.err);
    assert.match(r.out, /https-listener: the certificate in .*old-cert\.pem expired on Jan {1,2}2 00:00:00 2020 GMT/);
  });

  test('one warning per unknown or unsupported key, and docrest serves', async () => {
    const r = await run('/http-listener/port->0;/http-listner/port->9;/digestAuthMechanism->{enabled:true};/core/io-threads->4', [], { listening: true });
    assert.equal(r.urls.length, 1, r.err);
    const warnings = r.err.split('\n').filter((l) => l.startsWith('WARN') && / key /.test(l));
    assert.deepEqual(warnings.map((w) => /key ([\w.-]+)/.exec(w)![1]), ['core.io-threads', 'digestAuthMechanism.enabled', 'http-listner']);
  });

  test('--strict-config turns them into a startup error', async () => {
    const r = await run('/http-listener/port->0;/http-listner/port->9', ['--strict-config']);
    assert.equal(r.code, 1);
    assert.deepEqual(r.urls, []);
    assert.match(r.err, /WARN unknown configuration key http-listner/);
    assert.match(r.err, /configuration error: --strict-config: 1 configuration key\(s\) above are not honoured by docrest/);
  });

  test('-c shows the classification beside each key', async () => {
    const r = await run('/digestAuthMechanism->{enabled:true};/http-listner/port->9', ['-c']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^ {2}port: 8080 # honoured$/m);
    assert.match(r.out, /^ {2}enabled: true # not supported: Digest authentication is not built -- THIS VALUE IS IGNORED$/m);
    assert.match(r.out, /^http-listner: # UNKNOWN KEY/m);
  });
});

describe('two workers share both listeners', () => {
  test('HTTPS and HTTP answer', async () => {
    // ports chosen by the system at bind time: a port found free beforehand could be taken by a
    // connection of a test running beside this one while three processes start
    const dataDir = join(root, 'workers');
    const env = {
      ...process.env,
      RHO: `/http-listener/host->"127.0.0.1";/http-listener/port->0;/https-listener/host->"127.0.0.1";/https-listener/enabled->true;/https-listener/port->0;`
        + keystore(tls.p12, tls.p12Password),
    };
    const child = spawn(process.execPath, [cli, '--data-dir', dataDir, '--workers', '2'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d; });
    child.stderr.on('data', (d: Buffer) => { err += d; });
    try {
      // a loaded machine starts three processes slowly
      let urls: string[] = [];
      for (const deadline = Date.now() + 60_000; !urls.length && child.exitCode === null && Date.now() < deadline;) {
        urls = /listening on ([^ ]+(?:, [^ ]+)*) \(/.exec(out)?.[1]?.split(', ') ?? [];
        if (!urls.length) await new Promise((r) => setTimeout(r, 50));
      }
      const httpUrl = urls.find((u) => u.startsWith('http:'));
      const httpsUrl = urls.find((u) => u.startsWith('https:'));
      assert.ok(httpUrl && httpsUrl, `both listeners listed: ${out} ${err}`);
      const httpPort = new URL(httpUrl).port;
      const httpsPort = new URL(httpsUrl).port;
      const up = await fetch(`http://127.0.0.1:${httpPort}/ping`).then((r) => r.ok, () => false);
      assert.ok(up, `the http listener answers: ${err}`);
      // a fresh connection per request: node:cluster hands connections to the workers in turn
      for (let i = 0; i < 4; i++) {
        assert.equal((await https1(`https://127.0.0.1:${httpsPort}`, tls.ca, 'GET', '/ping')).status, 200);
        assert.equal((await fetch(`http://127.0.0.1:${httpPort}/ping`, { headers: { Connection: 'close' } })).status, 200);
      }
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    }
  });
});
