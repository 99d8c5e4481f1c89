// The security stage (SECURITY.md §1, §4): authenticate, then authorize, in RESTHeart's order —
// rejected credentials → 401; authentication required and missing → 401; a vetoer or no allower →
// 403. Secured services (the MongoDB API, /roles, secured plugins) need an ACL allower (/roles: an
// account); the others (/ping, /health/db, /token*, /logout) allow everything but still run
// authentication and the vetoers.
import type { IncomingHttpHeaders } from 'node:http';
import type { MongoRequest } from '../api/context.ts';
import type { ResourceType } from '../api/resource.ts';
import { getBool, section, type Config } from '../config/load.ts';
import type { Engine } from '../engine/types.ts';
import { toView } from '../engine/values.ts';
import { HttpError } from '../errors.ts';
import { Acl, aclOf, type AclRequest, type MongoPermissions } from './acl.ts';
import { Authentication } from './authenticate.ts';
import { JwtTokens } from './jwt.ts';
import { applyMongoPermissions } from './mongo-permissions.ts';
import { realmOf, type Account, type Authenticator, type MongoRealm } from './realm.ts';
import { TokenService } from './token-service.ts';
import { guardUsers, isUsersRequest } from './users-guard.ts';
import { BruteForceGuard, OriginVetoer, usesBlacklisted } from './vetoers.ts';

export type { Account } from './realm.ts';

/** The service a request is routed to (src/http/service-registry.ts), as security sees it. */
export interface SecuredService {
  readonly name: string;
  readonly secured: boolean;
}

export interface SecurityRequest {
  method: string;
  path: string;
  query: string;
  headers: IncomingHttpHeaders;
  remoteIp: string;
  secure: boolean;
  service: SecuredService;
  mongo?: MongoRequest;
}

function unauthorized(req: SecurityRequest, realm: string): HttpError {
  const quiet = req.headers['no-auth-challenge'] !== undefined || new URLSearchParams(req.query).has('noauthchallenge');
  return new HttpError(401, '', { noBody: true, headers: quiet ? {} : { 'WWW-Authenticate': `Basic realm="${realm}"` } });
}

export class Security {
  readonly tokens: TokenService;
  readonly jwt: JwtTokens;
  private readonly authentication: Authentication;
  private readonly authenticator: Authenticator | undefined;
  private readonly mongoRealm: MongoRealm | undefined;
  private readonly acl: Acl | undefined;
  private readonly fullAuthorizer: { enabled: boolean; authRequired: boolean };
  private readonly origin: OriginVetoer;
  private readonly bruteForce: BruteForceGuard;
  private readonly filterBlacklist: string[] | null;
  private readonly rootRoleGuard: boolean;

  constructor(cfg: Config, engine: Engine, filterBlacklist: string[] | null, warn: (m: string) => void) {
    this.jwt = new JwtTokens(cfg);
    const realm = realmOf(cfg, engine);
    this.authenticator = realm.authenticator;
    this.mongoRealm = realm.mongo;
    this.authentication = new Authentication(cfg, this.authenticator, this.jwt);
    this.acl = aclOf(cfg, engine, warn);
    const full = section(cfg, 'fullAuthorizer');
    this.fullAuthorizer = { enabled: getBool(full, 'enabled', false), authRequired: getBool(full, 'authentication-required', true) };
    this.origin = new OriginVetoer(cfg);
    this.bruteForce = new BruteForceGuard(cfg);
    this.filterBlacklist = filterBlacklist;
    this.rootRoleGuard = getBool(section(cfg, 'rootRoleGuard'), 'enabled', true);
    this.tokens = new TokenService(cfg, this.jwt, this.authenticator);
  }

  /** Start-up: the default user, and whether its password is still the well-known one. */
  async bootstrap(): Promise<{ defaultAdminPassword: boolean; randomJwtKey: boolean }> {
    const defaultAdminPassword = this.mongoRealm ? await this.mongoRealm.bootstrap() : false;
    return { defaultAdminPassword, randomJwtKey: this.jwt.enabled && this.jwt.randomKey };
  }

  private aclRequest(req: SecurityRequest, account: Account | undefined): AclRequest {
    let body: unknown;
    if (req.mongo && req.method !== 'GET' && req.method !== 'DELETE') {
      try {
        body = toView(req.mongo.body().value);
      } catch {
        body = undefined;
      }
    }
    return {
      method: req.method,
      path: aclPath(req.path),
      query: new URLSearchParams(req.query),
      headers: req.headers as AclRequest['headers'],
      remoteIp: req.remoteIp,
      userName: account?.name,
      body,
      secure: req.secure,
      resourceType: req.mongo?.resource.type,
    };
  }

  /** Authenticates and authorizes; returns the account (undefined = anonymous) or throws 401/403/429. */
  async check(req: SecurityRequest): Promise<Account | undefined> {
    if (this.bruteForce.enabled && this.bruteForce.blocked(this.aclRequest(req, undefined))) {
      throw new HttpError(429, 'Too many failed authentication attempts, retry later');
    }
    let account: Account | undefined;
    const auth = await this.authentication.authenticate(req.headers);
    if (auth.kind === 'failed') {
      if (this.bruteForce.enabled) this.bruteForce.failed(this.aclRequest(req, undefined));
      throw unauthorized(req, req.service.name === 'authTokenService' ? 'RESTHeart' : 'RESTHeart Realm');
    }
    if (auth.kind === 'ok') account = auth.account;
    // built only when a predicate or vetoer needs it: the root role and most requests never do
    let built: AclRequest | undefined;
    const areq = () => (built ??= this.aclRequest(req, account));
    const originAllowed = () => !this.origin.enabled || this.origin.allows(areq());
    // a genuine preflight passes the vetoer; a plain OPTIONS is checked like any request
    if (req.method === 'OPTIONS') {
      if (!originAllowed()) throw new HttpError(403, '', { noBody: true });
      return account;
    }
    let permission: MongoPermissions | undefined;
    if (req.service.secured) {
      if (!account) {
        const required = this.fullAuthorizer.enabled ? this.fullAuthorizer.authRequired : this.acl ? await this.acl.authenticationRequired(areq()) : true;
        if (required) throw unauthorized(req, 'RESTHeart Realm');
      }
      if (req.service.name === 'roles') {
        if (!account) throw unauthorized(req, 'RESTHeart Realm');
      } else if (this.fullAuthorizer.enabled) {
        permission = { allowManagementRequests: true, allowBulkPatch: true, allowBulkDelete: true, allowWriteMode: true };
      } else {
        permission = this.acl ? await this.acl.authorize(areq, account) : undefined;
        if (!permission) throw new HttpError(403, '', { noBody: true });
      }
    }
    if (!originAllowed()) throw new HttpError(403, '', { noBody: true });
    if (req.mongo) await this.shapeMongo(req.mongo, permission, account);
    return account;
  }

  private async shapeMongo(req: MongoRequest, permission: MongoPermissions | undefined, account: Account | undefined): Promise<void> {
    if (this.filterBlacklist && usesBlacklisted(req.params.filter, this.filterBlacklist)) throw new HttpError(403, '', { noBody: true });
    if (permission) applyMongoPermissions(req, permission, account);
    if (isUsersRequest(req, this.mongoRealm)) {
      const role = this.rootRoleGuard ? (this.acl?.rootRole ?? null) : null;
      await guardUsers(req, this.mongoRealm!, { role, caller: role !== null && !!account?.roles.includes(role) });
    }
  }

  /**
   * Whether the ACL lets `account` send `method` to `path` of a secured service (no body, no query;
   * the caller's own headers and address): what GET /_openapi.json lists for it.
   */
  async permits(req: SecurityRequest, account: Account | undefined, method: string, path: string, resourceType: ResourceType | undefined): Promise<boolean> {
    if (this.fullAuthorizer.enabled) return account !== undefined || !this.fullAuthorizer.authRequired;
    if (!this.acl) return false;
    const areq: AclRequest = { ...this.aclRequest({ ...req, method, path, query: '', mongo: undefined }, account), resourceType };
    return (await this.acl.authorize(() => areq, account)) !== undefined;
  }

  get authCookieName(): string {
    return this.authentication.cookieName;
  }

  /** After a write to the ACL collection, this process's permission cache is dropped at once. */
  afterWrite(req: MongoRequest): void {
    if (req.method === 'GET') return;
    if (this.acl?.holds(req.resource.db, req.resource.coll)) this.acl.invalidate();
  }

  async formLogin(body: Buffer | undefined): Promise<Account> {
    return this.tokens.formLogin(body?.toString('utf8') ?? '');
  }
}

/**
 * The path predicates see: each segment decoded as the router decodes it, a slash inside a segment
 * kept as %2F, so that ACL rules and routing always agree on the resource (dot segments are
 * refused earlier, by the http stage).
 */
function aclPath(path: string): string {
  return path.split('/').map((seg) => {
    try {
      return decodeURIComponent(seg).replaceAll('/', '%2F');
    } catch {
      return seg;
    }
  }).join('/');
}
