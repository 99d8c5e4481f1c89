// Authenticators (SECURITY.md §5): mongoRealmAuthenticator over a users collection (bcrypt) and
// fileRealmAuthenticator over users in the configuration. Verified credentials are cached, so a
// request pays bcrypt once per credential per TTL; bcrypt itself runs on libuv's thread pool
// (native `bcrypt`), never on the event loop.
import bcrypt from 'bcrypt';
import { createHash, hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { getBool, getList, getMap, getNumber, getString, section, type Config, type ConfigTree } from '../config/load.ts';
import type { Engine } from '../engine/types.ts';
import { isPlainObject, toView, type Document } from '../engine/values.ts';
import { parseJson } from '../json/parse.ts';
import { authMetrics } from '../metrics/docrest-registry.ts';

export interface Account {
  name: string;
  roles: string[];
  /** the user document without its password (plus authDb), or the JWT payload */
  properties: Document;
}

export interface Authenticator {
  /** The account when the password is right, undefined otherwise. */
  verify(id: string, password: string): Promise<Account | undefined>;
  /** The account of a user (for token renewals), undefined when unknown. */
  lookup(id: string): Promise<Account | undefined>;
}

/** `$.roles`, `$.a.b` → the value at that path of the document. */
export function jsonPath(doc: Document, path: string): unknown {
  const parts = path.replace(/^\$\.?/, '').split('.').filter(Boolean);
  let v: unknown = doc;
  for (const p of parts) v = isPlainObject(v) ? v[p] : undefined;
  return v;
}

function rolesOf(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((r): r is string => typeof r === 'string') : [];
}

function sameSecret(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A well-formed bcrypt hash of that cost with random salt and digest: comparing against it costs as
 * much as against a real one (the work is set by the cost), and no password matches it.
 */
function dummyHash(cost: number): string {
  const chars = Array.from(randomBytes(53), (b) => BCRYPT_ALPHABET[b % 64]).join('');
  return `$2b$${String(cost).padStart(2, '0')}$${chars}`;
}

interface Verified {
  /** the stored password (hash) the credentials were verified against */
  stored: string;
  until: number;
  /** from then on, a use of the entry also verifies it again, in the background (verify) */
  renewAt: number;
}

/**
 * Cache of verified credentials; entries are keyed by a hash, never by the password itself.
 *
 * An entry in use is verified again before it expires: in its last quarter, a request it answers
 * starts the check in the background, and the entry lives a TTL from that check. Only a credential
 * unused for that long waits for bcrypt again. Without this, every TTL every request of a client
 * waited for its one bcrypt (~200 ms at cost 12 on this VM): the benchmark's /ping probes saw
 * 20 answers of 44-221 ms in a row (P1), on a server whose event loop never stalled.
 */
class CredentialCache {
  private readonly entries = new Map<string, Verified>();
  private readonly ttl: number;
  private readonly max: number;

  constructor(ttl: number, max: number) {
    this.ttl = ttl;
    this.max = max;
  }

  private key(id: string, password: string): string {
    return hash('sha256', `${id}\u0000${password}`, 'base64');
  }

  /** The entry when still fresh (an expired one goes). */
  private current(k: string, now: number): Verified | undefined {
    const e = this.entries.get(k);
    if (e && e.until < now) {
      this.entries.delete(k);
      return undefined;
    }
    return e;
  }

  private put(k: string, stored: string): void {
    if (!this.entries.has(k) && this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    const now = Date.now();
    this.entries.set(k, { stored, until: now + this.ttl, renewAt: now + this.ttl - this.ttl / 4 });
  }

  /**
   * Whether the credentials match the stored password: true at once from a fresh entry (near its
   * end, `check` also runs again in the background and renews it), else by `check`.
   */
  verify(id: string, password: string, stored: string, check: () => Promise<boolean>): true | Promise<boolean> {
    const key = this.key(id, password);
    const now = Date.now();
    const e = this.current(key, now);
    if (e?.stored !== stored) return this.checked(key, stored, check);
    if (now >= e.renewAt) void this.checked(key, stored, check);
    return true;
  }

  private readonly inflight = new Map<string, Promise<boolean>>();

  /**
   * `check`, run once for all that ask at the same time (requests, a renewal); a success is kept
   * for a TTL. Without this, every connection of a client asks bcrypt (~100 ms of a thread-pool
   * thread each) when the entry expires: 256 connections kept the server's thread pool busy for
   * seconds, and their requests waited (benchmark M1).
   */
  private checked(key: string, stored: string, check: () => Promise<boolean>): Promise<boolean> {
    const k = `${key}\u0000${stored}`;
    let p = this.inflight.get(k);
    if (!p) {
      p = check().then((ok) => {
        if (ok) this.put(key, stored);
        else if (this.entries.get(key)?.stored === stored) this.entries.delete(key);
        return ok;
      }).finally(() => this.inflight.delete(k));
      this.inflight.set(k, p);
    }
    return p;
  }
}

export class MongoRealm implements Authenticator {
  readonly usersDb: string;
  readonly usersColl: string;
  readonly propId: string;
  readonly propPassword: string;
  readonly rolesPath: string;
  readonly hashed: boolean;
  readonly complexity: number;
  private readonly engine: Engine;
  private readonly cfg: ConfigTree;
  private readonly cache: CredentialCache;
  /** compared against for unknown users: a hash of the configured cost that no password matches */
  private readonly dummy: string;

  constructor(cfg: ConfigTree, engine: Engine) {
    this.cfg = cfg;
    this.engine = engine;
    this.usersDb = getString(cfg, 'users-db', 'restheart');
    this.usersColl = getString(cfg, 'users-collection', 'users');
    this.propId = getString(cfg, 'prop-id', '_id');
    this.propPassword = getString(cfg, 'prop-password', 'password');
    this.rolesPath = getString(cfg, 'json-path-roles', '$.roles');
    this.hashed = getBool(cfg, 'bcrypt-hashed-password', true);
    this.complexity = getNumber(cfg, 'bcrypt-complexity', 12);
    this.dummy = dummyHash(this.complexity);
    // RESTHeart's cache is off by default; docrest always keeps verified credentials briefly,
    // because bcrypt per request caps a server at tens of requests per second.
    this.cache = new CredentialCache(getNumber(cfg, 'cache-ttl', 60_000), getNumber(cfg, 'cache-size', 1000));
  }

  private users() {
    return this.engine.db(this.usersDb).collection(this.usersColl);
  }

  // the engine hands out the same immutable document until the user changes: one account per version
  private readonly accounts = new WeakMap<Document, Account>();

  private accountOf(doc: Document): Account {
    let account = this.accounts.get(doc);
    if (!account) {
      const { [this.propPassword]: _pwd, ...props } = doc;
      account = {
        name: String(toView(doc[this.propId])),
        roles: rolesOf(jsonPath(doc, this.rolesPath)),
        properties: { ...props, authDb: this.usersDb },
      };
      this.accounts.set(doc, account);
    }
    return account;
  }

  async lookup(id: string): Promise<Account | undefined> {
    const doc = await this.users().findOne({ [this.propId]: id });
    return doc ? this.accountOf(doc) : undefined;
  }

  /**
   * bcrypt runs once per credential per TTL. A cache hit still reads the user (a cached point read)
   * and holds only while the stored password is the one verified: a password changed by any worker
   * or instance ends the old one at once, and role changes apply to the next request.
   */
  async verify(id: string, password: string): Promise<Account | undefined> {
    const doc = await this.users().findOne({ [this.propId]: id });
    const stored = doc?.[this.propPassword];
    if (!doc || typeof stored !== 'string') {
      // as slow as a wrong password: the time of a 401 must not tell whether the user exists
      if (this.hashed) await bcrypt.compare(password, this.dummy).catch(() => false);
      else sameSecret(password, '');
      return undefined;
    }
    const check = async () => {
      authMetrics.passwordChecked();
      return this.hashed ? bcrypt.compare(password, stored).catch(() => false) : sameSecret(password, stored);
    };
    const ok = this.cache.verify(id, password, stored, check);
    if (ok !== true && !(await ok)) return undefined;
    return this.accountOf(doc);
  }

  async hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.complexity);
  }

  /** create-user: insert the default user when the collection is empty; true if it still has the default password. */
  async bootstrap(): Promise<boolean> {
    const users = this.users();
    if (getBool(this.cfg, 'create-user', true) && (await users.estimatedDocumentCount()) === 0) {
      const raw = getMap(this.cfg, 'create-user-document', null);
      const doc = raw ? (parseJson(JSON.stringify(raw)) as Document) : null;
      if (doc) await users.insertOne(doc);
    }
    const admin = await users.findOne({ [this.propId]: 'admin' });
    const pwd = admin?.[this.propPassword];
    if (typeof pwd !== 'string') return false;
    return this.hashed ? bcrypt.compare('secret', pwd) : pwd === 'secret';
  }
}

export class FileRealm implements Authenticator {
  private readonly users = new Map<string, { password: string | null; account: Account }>();

  constructor(cfg: ConfigTree) {
    for (const u of getList(cfg, 'users', [])) {
      if (!isPlainObject(u) || typeof u.userid !== 'string') continue;
      const { password, roles, ...props } = u as Document;
      this.users.set(u.userid, {
        password: typeof password === 'string' ? password : password === null || password === undefined ? null : String(password),
        account: { name: u.userid, roles: rolesOf(roles), properties: { ...props, roles: rolesOf(roles) } },
      });
    }
  }

  async lookup(id: string): Promise<Account | undefined> {
    return this.users.get(id)?.account;
  }

  async verify(id: string, password: string): Promise<Account | undefined> {
    const u = this.users.get(id);
    // compared for unknown users too, so that they answer in the same time
    const ok = sameSecret(password, u?.password ?? '');
    return u && u.password !== null && ok ? u.account : undefined;
  }
}

export function realmOf(cfg: Config, engine: Engine): { authenticator?: Authenticator; mongo?: MongoRealm } {
  const basic = section(cfg, 'basicAuthMechanism');
  const wanted = getString(basic, 'authenticator', 'mongoRealmAuthenticator');
  const file = section(cfg, 'fileRealmAuthenticator');
  const mongoSec = section(cfg, 'mongoRealmAuthenticator');
  const mongo = getBool(mongoSec, 'enabled', true) ? new MongoRealm(mongoSec, engine) : undefined;
  if (wanted === 'fileRealmAuthenticator' && getBool(file, 'enabled', false)) return { authenticator: new FileRealm(file), mongo };
  if (mongo) return { authenticator: mongo, mongo };
  if (getBool(file, 'enabled', false)) return { authenticator: new FileRealm(file) };
  return {};
}
