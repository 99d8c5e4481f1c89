// TLS material of the https listener: RESTHeart's keystore (PKCS#12; JKS is refused with the
// command that converts it) or docrest's PEM files. Everything is read and checked at startup, so
// that a bad keystore stops docrest with one line naming the key, before anything listens.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, TLSSocket, type SecureContextOptions } from 'node:tls';
import { ConfigError, getMap, getString, section, type Config } from '../config/load.ts';

const JKS_MAGIC = [0xfeedfeed, 0xcececece]; // JKS and JCEKS

function read(key: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new ConfigError(`${key}: ${file} is not readable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

function code(e: unknown): string {
  return String((e as { code?: unknown }).code ?? '');
}

function fromKeystore(path: string, password: string | null, certPassword: string | null, warn: (m: string) => void): SecureContextOptions {
  const pfx = read('https-listener.keystore-path', path);
  if (pfx.length >= 4 && JKS_MAGIC.includes(pfx.readUInt32BE(0))) {
    throw new ConfigError(`https-listener.keystore-path: ${path} is a Java (JKS) keystore, which Node.js cannot read; convert it to PKCS#12 with `
      + `keytool -importkeystore -srckeystore ${path} -destkeystore keystore.p12 -deststoretype PKCS12 and set keystore-path to keystore.p12`);
  }
  if (pfx.subarray(0, 64).toString('latin1').includes('-----BEGIN')) {
    throw new ConfigError(`https-listener.keystore-path: ${path} is a PEM file, not a PKCS#12 keystore; set docrest.tls.cert and docrest.tls.key to PEM files instead`);
  }
  if (certPassword !== null && certPassword !== password) {
    warn('https-listener.certificate-password differs from keystore-password: a PKCS#12 keystore has one password, so certificate-password is ignored');
  }
  const options: SecureContextOptions = { pfx, passphrase: password ?? '' };
  try {
    createSecureContext(options);
  } catch (e) {
    if (/mac verify failure|invalid password/i.test((e as Error).message)) {
      throw new ConfigError(`https-listener.keystore-password: wrong password for the keystore ${path}`);
    }
    throw new ConfigError(`https-listener.keystore-path: ${path} is not a PKCS#12 keystore (${(e as Error).message})`);
  }
  return options;
}

function fromPem(certFile: string, keyFile: string, passphrase: string | null): SecureContextOptions {
  const cert = read('docrest.tls.cert', certFile);
  const key = read('docrest.tls.key', keyFile);
  try {
    new X509Certificate(cert);
  } catch (e) {
    throw new ConfigError(`docrest.tls.cert: ${certFile} is not a PEM certificate (${(e as Error).message})`);
  }
  try {
    createPrivateKey({ key, passphrase: passphrase ?? undefined });
  } catch (e) {
    if (['ERR_OSSL_BAD_DECRYPT', 'ERR_OSSL_CRYPTO_INTERRUPTED_OR_CANCELLED', 'ERR_MISSING_PASSPHRASE'].includes(code(e))) {
      throw new ConfigError(`https-listener.certificate-password: ${passphrase === null ? 'not set, but' : 'wrong passphrase:'} the private key ${keyFile} is encrypted`);
    }
    throw new ConfigError(`docrest.tls.key: ${keyFile} is not a PEM private key (${(e as Error).message})`);
  }
  const options: SecureContextOptions = { cert, key, passphrase: passphrase ?? undefined };
  try {
    createSecureContext(options);
  } catch (e) {
    const why = code(e) === 'ERR_OSSL_X509_KEY_VALUES_MISMATCH' ? 'the key does not belong to the certificate' : (e as Error).message;
    throw new ConfigError(`docrest.tls.key: ${keyFile} cannot be used with docrest.tls.cert ${certFile} (${why})`);
  }
  return options;
}

/** Warns about a certificate that clients will refuse for its dates (a warning: renewal may be under way). */
function checkDates(options: SecureContextOptions, source: string, warn: (m: string) => void): void {
  // a TLS socket without a connection, only to read the certificate (a PKCS#12 file is opaque otherwise)
  const socket = new TLSSocket(null as never, { isServer: true, secureContext: createSecureContext(options) });
  const raw = socket.getCertificate();
  socket.destroy();
  if (!raw || !('raw' in raw)) return;
  const cert = new X509Certificate(raw.raw);
  const now = Date.now();
  if (Date.parse(cert.validTo) < now) warn(`https-listener: the certificate in ${source} expired on ${cert.validTo}: clients will refuse it`);
  else if (Date.parse(cert.validFrom) > now) warn(`https-listener: the certificate in ${source} is not valid before ${cert.validFrom}: clients will refuse it`);
}

/** The https listener's secure-context options; ConfigError naming the key when they cannot work. */
export function loadTls(cfg: Config, warn: (m: string) => void): SecureContextOptions {
  const https = section(cfg, 'https-listener');
  const tls = getMap(section(cfg, 'docrest'), 'tls', {});
  const keystore = getString(https, 'keystore-path', null);
  const certFile = getString(tls, 'cert', null);
  const keyFile = getString(tls, 'key', null);
  const certPassword = getString(https, 'certificate-password', null);
  let options: SecureContextOptions;
  let source: string;
  if (keystore !== null && (certFile !== null || keyFile !== null)) {
    throw new ConfigError('https-listener.keystore-path and docrest.tls.cert/key are both set: use either a PKCS#12 keystore or PEM files');
  } else if (keystore !== null) {
    options = fromKeystore(keystore, getString(https, 'keystore-password', null), certPassword, warn);
    source = keystore;
  } else if (certFile !== null && keyFile !== null) {
    options = fromPem(certFile, keyFile, certPassword);
    source = certFile;
  } else if (certFile !== null || keyFile !== null) {
    throw new ConfigError(`${certFile === null ? 'docrest.tls.cert' : 'docrest.tls.key'} is not set: PEM files need both docrest.tls.cert and docrest.tls.key`);
  } else {
    throw new ConfigError('https-listener.enabled is true but there is no certificate: set https-listener.keystore-path and keystore-password '
      + '(PKCS#12), or docrest.tls.cert and docrest.tls.key (PEM files)');
  }
  checkDates(options, source, warn);
  return options;
}
