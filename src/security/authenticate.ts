// Authentication mechanisms (SECURITY.md §2), tried in RESTHeart's order: the auth cookie becomes
// an Authorization header when none was sent; then token-as-Basic-password, Basic, Bearer JWT.
import type { IncomingHttpHeaders } from 'node:http';
import { getBool, getString, section, type Config } from '../config/load.ts';
import type { JwtTokens } from './jwt.ts';
import type { Account, Authenticator } from './realm.ts';

export type AuthResult =
  | { kind: 'none' }
  | { kind: 'ok'; account: Account; via: 'basic' | 'token' | 'jwt' }
  | { kind: 'failed' };

export interface BasicCredentials {
  id: string;
  password: string;
}

/** `Basic base64(id:password)`; the scheme is case-insensitive, the payload UTF-8. */
export function parseBasic(header: string): BasicCredentials | undefined {
  const m = /^basic\s+([A-Za-z0-9+/]+=*)\s*$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i <= 0) return undefined;
  return { id: decoded.slice(0, i), password: decoded.slice(i + 1) };
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export class Authentication {
  private readonly basicOn: boolean;
  private readonly tokenBasicOn: boolean;
  private readonly cookieOn: boolean;
  /** the auth cookie's name (authCookieSetter.name) */
  readonly cookieName: string;
  private readonly authenticator: Authenticator | undefined;
  private readonly jwt: JwtTokens;

  constructor(cfg: Config, authenticator: Authenticator | undefined, jwt: JwtTokens) {
    this.basicOn = getBool(section(cfg, 'basicAuthMechanism'), 'enabled', true);
    this.tokenBasicOn = getBool(section(cfg, 'tokenBasicAuthMechanism'), 'enabled', true);
    this.cookieOn = getBool(section(cfg, 'authCookieHandler'), 'enabled', true);
    this.cookieName = getString(section(cfg, 'authCookieSetter'), 'name', 'rh_auth');
    this.authenticator = authenticator;
    this.jwt = jwt;
  }

  /** The Authorization header to use: the request's own, else the one carried by the auth cookie. */
  authorizationOf(headers: IncomingHttpHeaders): string | undefined {
    const h = headers.authorization;
    if (h !== undefined) return h;
    if (!this.cookieOn) return undefined;
    const c = cookieValue(headers.cookie, this.cookieName);
    if (!c) return undefined;
    const v = decodeURIComponent(c);
    if (v.startsWith('Bearer_')) return `Bearer ${v.slice(7)}`;
    if (v.startsWith('Basic_')) return `Basic ${v.slice(6)}`;
    return undefined;
  }

  async authenticate(headers: IncomingHttpHeaders): Promise<AuthResult> {
    const header = this.authorizationOf(headers);
    if (header === undefined || header.trim() === '') return { kind: 'none' };
    if (/^basic\s/i.test(header)) {
      const creds = parseBasic(header);
      if (!creds) return { kind: 'failed' };
      if (this.tokenBasicOn && this.jwt.enabled && creds.password.split('.').length === 3) {
        const account = await this.jwt.verify(creds.password);
        if (account && account.name === creds.id) return { kind: 'ok', account, via: 'token' };
      }
      if (!this.basicOn || !this.authenticator) return { kind: 'failed' };
      const account = await this.authenticator.verify(creds.id, creds.password);
      return account ? { kind: 'ok', account, via: 'basic' } : { kind: 'failed' };
    }
    if (header.startsWith('Bearer ') && this.jwt.mechanismEnabled) {
      const account = await this.jwt.verify(header.slice(7).trim());
      return account ? { kind: 'ok', account, via: 'jwt' } : { kind: 'failed' };
    }
    // a scheme no enabled mechanism handles is not attempted, as in RESTHeart
    return { kind: 'none' };
  }
}
