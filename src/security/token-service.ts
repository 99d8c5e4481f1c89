// Token endpoints (SECURITY.md §3.1–§3.4): /token, /token/cookie, /token/redirect, /logout, and
// the current user's roles at /roles/{user} (§9).
import type { ApiResponse } from '../api/context.ts';
import { getBool, getNumber, getString, section, type Config } from '../config/load.ts';
import { HttpError, forbidden } from '../errors.ts';
import type { JwtTokens } from './jwt.ts';
import type { Account, Authenticator } from './realm.ts';


const methodNotAllowed = (m: string) => new HttpError(405, `method ${m} not allowed`);

export class TokenService {
  private readonly jwt: JwtTokens;
  private readonly authenticator: Authenticator | undefined;
  private readonly redirectUrl: string | null;
  private readonly cookie: { name: string; attributes: string; clear: string; prefixBearer: boolean };
  readonly rolesUri: string;

  constructor(cfg: Config, jwt: JwtTokens, authenticator: Authenticator | undefined) {
    this.jwt = jwt;
    this.authenticator = authenticator;
    this.redirectUrl = getString(section(cfg, 'authTokenService'), 'redirect-url', null);
    this.rolesUri = getString(section(cfg, 'roles'), 'uri', '/roles');
    const c = section(cfg, 'authCookieSetter');
    const name = getString(c, 'name', 'rh_auth');
    const domain = getString(c, 'domain', 'localhost');
    const path = getString(c, 'path', '/');
    const mode = getString(c, 'same-site-mode', 'strict');
    const attrs = [
      domain ? `Domain=${domain}` : '',
      `Path=${path}`,
      getBool(c, 'http-only', true) ? 'HttpOnly' : '',
      getBool(c, 'same-site', true) ? `SameSite=${mode.charAt(0).toUpperCase()}${mode.slice(1).toLowerCase()}` : '',
      getBool(c, 'secure', true) ? 'Secure' : '',
      `Max-Age=${Math.round(getNumber(c, 'ttl', 15) * 60)}`,
    ].filter(Boolean).join('; ');
    const clearSecure = getBool(section(cfg, 'authCookieRemover'), 'secure', false) ? '; Secure' : '';
    this.cookie = {
      name,
      attributes: attrs,
      clear: `${name}=; ${domain ? `Domain=${domain}; ` : ''}Path=${path}; Max-Age=0${clearSecure}`,
      prefixBearer: jwt.mechanismEnabled,
    };
  }

  isTokenPath(path: string): boolean {
    return path === '/token' || path === '/token/cookie' || path === '/token/redirect';
  }

  isRolesPath(path: string): boolean {
    return path.startsWith(this.rolesUri) && (path.length === this.rolesUri.length || path[this.rolesUri.length] === '/');
  }

  /** OAuth-style form body of POST /token: password and client_credentials grants. */
  async formLogin(body: string): Promise<Account> {
    const form = new URLSearchParams(body);
    const grant = form.get('grant_type');
    const [id, secret] = grant === 'password' ? [form.get('username'), form.get('password')]
      : grant === 'client_credentials' ? [form.get('client_id'), form.get('client_secret')] : [null, null];
    if (!id || secret === null) throw new HttpError(400, '', { noBody: true });
    const account = this.authenticator ? await this.authenticator.verify(id, secret) : undefined;
    if (!account) throw new HttpError(401, '', { noBody: true });
    return account;
  }

  private async tokenHeaders(account: Account, renew: boolean) {
    if (!this.jwt.enabled) throw new HttpError(501, 'no token manager is enabled (jwtTokenManager); rndTokenManager is not implemented');
    const issued = await this.jwt.issue(account, renew);
    const expiresIn = Math.max(0, Math.floor((issued.expiresAt.getTime() - Date.now()) / 1000));
    const headers: Record<string, string> = {
      'Auth-Token': issued.token,
      'Auth-Token-Valid-Until': issued.expiresAt.toISOString(),
      'Auth-Token-Location': this.jwt.srvUri,
    };
    const body = { access_token: issued.token, token_type: 'Bearer', expires_in: expiresIn, username: account.name, roles: account.roles };
    return { issued, expiresIn, headers, body };
  }

  async handle(method: string, path: string, query: URLSearchParams, account: Account): Promise<ApiResponse> {
    const renew = query.has('renew');
    if (path === '/token') {
      if (method === 'DELETE') {
        this.jwt.invalidate(account.name);
        return { status: 204, headers: {} };
      }
      if (method !== 'GET' && method !== 'POST') throw methodNotAllowed(method);
      const t = await this.tokenHeaders(account, renew);
      const noStore: Record<string, string> = method === 'POST' ? { 'Cache-Control': 'no-store', Pragma: 'no-cache' } : {};
      return { status: 200, body: t.body, headers: { ...t.headers, ...noStore } };
    }
    if (path === '/token/cookie') {
      if (method !== 'POST') throw methodNotAllowed(method);
      const t = await this.tokenHeaders(account, renew);
      const value = this.cookie.prefixBearer
        ? `Bearer_${t.issued.token}`
        : `Basic_${Buffer.from(`${account.name}:${t.issued.token}`).toString('base64')}`;
      return {
        status: 200,
        body: { authenticated: true, username: account.name, roles: account.roles },
        headers: { ...t.headers, 'Cache-Control': 'no-store', 'Set-Cookie': `${this.cookie.name}=${value}; ${this.cookie.attributes}` },
      };
    }
    if (method !== 'GET') throw methodNotAllowed(method);
    if (!this.redirectUrl) {
      return { status: 400, body: { error: 'invalid_request', error_description: 'no redirect-url configured for /token/redirect' }, headers: {} };
    }
    const t = await this.tokenHeaders(account, renew);
    const fragment = `access_token=${encodeURIComponent(t.issued.token)}&token_type=Bearer&expires_in=${t.expiresIn}`;
    return { status: 307, body: t.body, headers: { ...t.headers, Location: `${this.redirectUrl}#${fragment}` } };
  }

  logout(method: string): ApiResponse {
    if (method !== 'POST') throw methodNotAllowed(method);
    return { status: 200, headers: { 'Set-Cookie': this.cookie.clear } };
  }

  roles(method: string, path: string, account: Account): ApiResponse {
    if (method !== 'GET') throw methodNotAllowed(method);
    const user = decodeURIComponent(path.slice(this.rolesUri.length + 1));
    if (user !== account.name) throw forbidden('', { noBody: true });
    return { status: 200, body: { authenticated: true, roles: account.roles }, headers: {} };
  }
}
