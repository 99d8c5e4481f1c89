// TLS test material made at test time with openssl (a self-signed certificate for localhost and
// 127.0.0.1, as PEM files and as a PKCS#12 keystore), and HTTPS / HTTP/2 clients that trust it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect, type IncomingHttpHeaders } from 'node:http2';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TlsFiles {
  dir: string;
  cert: string;
  key: string;
  p12: string;
  p12Password: string;
  /** the certificate's PEM text, for clients to trust */
  ca: string;
}

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: 'pipe' });

export function makeTls(): TlsFiles {
  const dir = mkdtempSync(join(tmpdir(), 'docrest-tls-'));
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], dir);
  openssl(['pkcs12', '-export', '-in', 'cert.pem', '-inkey', 'key.pem', '-out', 'keystore.p12', '-passout', 'pass:changeit'], dir);
  return {
    dir, cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), p12: join(dir, 'keystore.p12'), p12Password: 'changeit',
    ca: readFileSync(join(dir, 'cert.pem'), 'utf8'),
  };
}

/** A certificate that expired in 2020 (openssl 3.0's `req` cannot backdate; `ca` can). */
export function makeExpiredPem(dir: string): { cert: string; key: string } {
  writeFileSync(join(dir, 'ca.cnf'), '[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\nnew_certs_dir=.\nserial=serial\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n');
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '01\n');
  openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'old-key.pem', '-out', 'old.csr', '-subj', '/CN=localhost'], dir);
  openssl(['ca', '-batch', '-notext', '-selfsign', '-config', 'ca.cnf', '-keyfile', 'old-key.pem', '-in', 'old.csr', '-out', 'old-cert.pem',
    '-startdate', '20200101000000Z', '-enddate', '20200102000000Z'], dir);
  return { cert: join(dir, 'old-cert.pem'), key: join(dir, 'old-key.pem') };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface TlsReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** the protocol the server chose by ALPN */
  alpn: string | false;
}

/** HTTPS over HTTP/1.1, one connection per request. */
export function https1(url: string, ca: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<TlsReply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(new URL(path, url), { method, headers, ca, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({
        status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString(),
        alpn: (res.socket as { alpnProtocol?: string | false }).alpnProtocol ?? false,
      }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Several requests over one HTTP/2 session. */
export async function h2(url: string, ca: string, requests: { method: string; path: string; headers?: Record<string, string>; body?: string }[]): Promise<TlsReply[]> {
  const session = connect(url, { ca });
  try {
    await new Promise<void>((resolve, reject) => {
      session.once('connect', () => resolve());
      session.once('error', reject);
    });
    const alpn = session.alpnProtocol ?? false;
    return await Promise.all(requests.map((r) => new Promise<TlsReply>((resolve, reject) => {
      const stream = session.request({ ':method': r.method, ':path': r.path, ...r.headers });
      let headers: IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      stream.on('response', (h) => { headers = h; });
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => resolve({ status: Number(headers[':status']), headers, body: Buffer.concat(chunks).toString(), alpn }));
      stream.on('error', reject);
      stream.end(r.body);
    })));
  } finally {
    session.close();
  }
}
