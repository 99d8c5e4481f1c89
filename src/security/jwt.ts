// JWT (SECURITY.md §2, §3.3): jwtConfigProvider settings, jwtTokenManager (issue, per-user reuse,
// renew, invalidate) and verification for the Bearer and token-as-Basic-password mechanisms.
// Verified tokens are cached: signature checks cost ~70 µs each.
import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, importX509, jwtVerify, type JWTPayload } from 'jose';
import { getBool, getList, getNumber, getString, section, type Config } from '../config/load.ts';
import type { Document } from '../engine/values.ts';
import type { Account } from './realm.ts';

type Key = Uint8Array | CryptoKey;

export interface Issued {
  token: string;
  expiresAt: Date;
  /** the roles the token claims: a login with other roles gets a new token */
  roles: string;
}

export class JwtTokens {
  readonly enabled: boolean;
  readonly mechanismEnabled: boolean;
  readonly ttlMinutes: number;
  readonly srvUri: string;
  private readonly algorithm: string;
  private readonly issuer: string;
  private readonly audience: string[] | undefined;
  private readonly usernameClaim: string;
  private readonly rolesClaim: string;
  private readonly fixedRoles: string[];
  private readonly base64Encoded: boolean;
  private readonly accountClaims: string[];
  private readonly secret: string | null;
  private key: Key | undefined;
  private readonly issued = new Map<string, Issued>();
  private readonly verified = new Map<string, { account: Account; until: number }>();

  constructor(cfg: Config) {
    const provider = section(cfg, 'jwtConfigProvider');
    const manager = section(cfg, 'jwtTokenManager');
    const mech = section(cfg, 'jwtAuthenticationMechanism');
    this.enabled = getBool(manager, 'enabled', true) && getBool(provider, 'enabled', true);
    this.mechanismEnabled = getBool(mech, 'enabled', true);
    this.ttlMinutes = Math.max(1, getNumber(manager, 'ttl', 15));
    this.srvUri = getString(manager, 'srv-uri', '/token');
    this.algorithm = getString(provider, 'algorithm', 'HS256').toUpperCase();
    this.issuer = getString(provider, 'issuer', 'restheart.org');
    const aud = provider.audience;
    this.audience = aud === null || aud === undefined ? undefined : (Array.isArray(aud) ? aud : [aud]).map(String);
    this.usernameClaim = getString(mech, 'usernameClaim', 'sub');
    this.rolesClaim = getString(mech, 'rolesClaim', 'roles');
    this.fixedRoles = getList(mech, 'fixedRoles', []).map(String);
    this.base64Encoded = getBool(mech, 'base64Encoded', false);
    this.accountClaims = getList(manager, 'account-properties-claims', []).map(String);
    this.secret = getString(provider, 'key', null);
  }

  /** True when tokens die with the process (no configured key): worth a warning at start. */
  get randomKey(): boolean {
    return this.secret === null;
  }

  private async signingKey(): Promise<Key> {
    if (this.key) return this.key;
    if (this.algorithm.startsWith('RS') && this.secret) {
      const pem = this.secret.includes('BEGIN CERTIFICATE') ? this.secret : `-----BEGIN CERTIFICATE-----\n${this.secret}\n-----END CERTIFICATE-----`;
      this.key = await importX509(pem, this.algorithm);
    } else {
      this.key = this.secret === null ? randomBytes(32) : new TextEncoder().encode(this.secret);
    }
    return this.key;
  }

  /** The user's current token, reused until close to expiry unless `renew`. */
  async issue(account: Account, renew: boolean): Promise<Issued> {
    const current = this.issued.get(account.name);
    const margin = this.ttlMinutes * 6_000; // reissue in the last tenth of the ttl
    const roles = JSON.stringify(account.roles);
    if (!renew && current && current.roles === roles && current.expiresAt.getTime() - Date.now() > margin) return current;
    const expiresAt = new Date(Date.now() + this.ttlMinutes * 60_000);
    const claims: JWTPayload = { roles: account.roles };
    if (account.properties.authDb !== undefined) claims.authDb = account.properties.authDb as string;
    for (const path of this.accountClaims) {
      const parts = path.split('/').filter(Boolean);
      let v: unknown = account.properties;
      for (const p of parts) v = v !== null && typeof v === 'object' ? (v as Document)[p] : undefined;
      if (v !== undefined) claims[parts[parts.length - 1]!] = JSON.parse(JSON.stringify(v));
    }
    let jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: this.algorithm, typ: 'JWT' })
      .setIssuer(this.issuer)
      .setSubject(account.name)
      .setJti(randomUUID())
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000));
    if (this.audience) jwt = jwt.setAudience(this.audience.length === 1 ? this.audience[0]! : this.audience);
    const issued = { token: await jwt.sign(await this.signingKey()), expiresAt, roles };
    this.issued.set(account.name, issued);
    return issued;
  }

  invalidate(name: string): void {
    const current = this.issued.get(name);
    this.issued.delete(name);
    if (current) this.verified.delete(current.token);
  }

  /** The account of a valid token, undefined when it is invalid, expired, or signed otherwise. */
  async verify(raw: string): Promise<Account | undefined> {
    const token = this.base64Encoded ? Buffer.from(raw, 'base64url').toString('utf8') : raw;
    const hit = this.verified.get(token);
    if (hit) {
      if (hit.until > Date.now()) return hit.account;
      this.verified.delete(token);
      return undefined;
    }
    if (token.split('.').length !== 3) return undefined;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await this.signingKey(), {
        algorithms: [this.algorithm], issuer: this.issuer, audience: this.audience,
      }));
    } catch {
      return undefined;
    }
    const name = payload[this.usernameClaim];
    const roles = payload[this.rolesClaim];
    if (typeof name !== 'string' || (roles !== undefined && !Array.isArray(roles))) return undefined;
    const { exp: _exp, iss: _iss, sub: _sub, ...props } = payload;
    const account: Account = {
      name,
      roles: [...new Set([...(roles ?? []).filter((r): r is string => typeof r === 'string'), ...this.fixedRoles])],
      properties: props as Document,
    };
    if (this.verified.size > 10_000) this.verified.clear();
    const until = typeof payload.exp === 'number' ? payload.exp * 1000 : Date.now() + 60_000;
    this.verified.set(token, { account, until });
    return account;
  }
}
