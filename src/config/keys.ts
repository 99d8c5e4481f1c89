// Every key of RESTHeart's default configuration (9.x, plus the keys its code reads with a
// fallback) and docrest's own, classified. The one table: startup warnings, `-c` and README's
// key table (test/config/keys.test.ts keeps README in step) all come from it.

export type Status = 'honoured' | 'differently' | 'unsupported' | 'docrest';

/** Marks a key whose value never matters (the feature it tunes is absent or needs no setting). */
export const ANY = Symbol('any value');

/**
 * A list of names never warns. A map gives per key the value that asks for nothing docrest lacks
 * (RESTHeart's default, as a rule), ANY, or a test of the value; any other value earns a warning.
 */
type Keys = readonly string[] | Readonly<Record<string, unknown>>;

export interface KeyGroup {
  status: Status;
  note: string;
  keys: Keys;
}

/** Equal as configuration values: `8080` and `"8080"` are, so are two equal lists. */
export function sameValue(a: unknown, b: unknown): boolean {
  const norm = (x: unknown) => (typeof x === 'object' && x !== null ? JSON.stringify(x) : String(x));
  return norm(a) === norm(b);
}

const oneOf = (...values: unknown[]) => (v: unknown): boolean => values.some((x) => sameValue(x, v));
/** A whole plugin section: quiet unless it is enabled (`dflt`: RESTHeart's default when `enabled` is absent). */
const pluginOff = (dflt: boolean) => (v: unknown): boolean => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return true;
  const on = (v as Record<string, unknown>).enabled;
  return on === undefined || on === null ? !dflt : !['true', 'yes', 'on', '1'].includes(String(on).toLowerCase());
};

const H = 'honoured';
const D = 'differently';
const U = 'unsupported';
const O = 'docrest';
const g = (status: Status, note: string, keys: Keys): KeyGroup => ({ status, note, keys });

export const KEY_GROUPS: readonly KeyGroup[] = [
  // listeners and core
  g(H, '', ['http-listener.enabled', 'http-listener.host', 'http-listener.port', 'https-listener.enabled', 'https-listener.host', 'https-listener.port']),
  g(D, 'PKCS#12 keystores only: a JKS keystore is refused at startup with the keytool command that converts it; PEM files go in docrest.tls.cert/key', ['https-listener.keystore-path']),
  g(H, 'the PKCS#12 password', ['https-listener.keystore-password']),
  g(D, 'a PKCS#12 keystore has one password (keystore-password); certificate-password is the passphrase of an encrypted PEM docrest.tls.key', ['https-listener.certificate-password']),
  g(U, 'enabling the AJP listener is a startup error', { 'ajp-listener.enabled': ANY, 'ajp-listener.host': ANY, 'ajp-listener.port': ANY }),
  g(H, 'named in the startup log line', ['core.name']),
  g(H, 'informational, as in RESTHeart', ['core.base-url']),
  g(H, '', ['core.force-gzip-encoding']),
  g(U, 'unescaped characters in URLs are always accepted', { 'core.allow-unescaped-characters-in-url': true }),
  g(D, 'JavaScript and TypeScript plugins (README, Writing plugins); relative to the working directory', ['core.plugins-directory']),
  g(U, 'Java plugins cannot be loaded', { 'core.plugins-packages': [], 'core.plugins-scanning-verbose': ANY }),
  g(U, 'JVM and Undertow tuning without a Node.js equivalent (processes: docrest.workers)', {
    'core.io-threads': 0, 'core.workers-scheduler-parallelism': 0, 'core.workers-scheduler-max-pool-size': 256,
    'core.buffers-pooling': ANY, 'core.buffer-size': ANY, 'core.direct-buffers': ANY,
  }),
  g(D, 'HTTP/2 on the https listener (ALPN, with HTTP/1.1 fallback); the plain listener serves HTTP/1.1 only (no h2c)', ['connection-options.ENABLE_HTTP2']),
  g(D, 'request body limit (413); -1 (unlimited in RESTHeart) leaves docrest.max-body-size in force', ['connection-options.MAX_ENTITY_SIZE']),
  g(U, "Node.js's own request limits apply (16 KB of headers)", {
    'connection-options.MAX_HEADER_SIZE': 1048576, 'connection-options.MAX_PARAMETERS': 1000,
    'connection-options.MAX_HEADERS': 200, 'connection-options.MAX_COOKIES': 200,
  }),
  g(U, 'no timeouts but keep-alive: an idle connection is closed after 72 s', {
    'connection-options.IDLE_TIMEOUT': -1, 'connection-options.REQUEST_PARSE_TIMEOUT': -1, 'connection-options.NO_REQUEST_TIMEOUT': -1,
  }),
  g(U, 'multipart bodies are not built', { 'connection-options.MULTIPART_MAX_ENTITY_SIZE': ANY }),
  g(U, 'URLs are decoded as UTF-8 and keep-alive is managed by Node.js', { 'connection-options.URL_CHARSET': 'UTF-8', 'connection-options.ALWAYS_SET_KEEP_ALIVE': ANY }),

  // MongoDB API
  g(D, "selects the MongoDB engine unless it is RESTHeart's default mongodb://127.0.0.1 (see docrest.engine)", ['mclient.connection-string']),
  g(U, 'the MongoDB API cannot be switched off', { 'mongo.enabled': true }),
  g(H, '', [
    'mongo.uri', 'mongo.mongo-mounts', 'mongo.instance-base-url', 'mongo.default-representation-format',
    'mongo.etag-check-policy.db', 'mongo.etag-check-policy.coll', 'mongo.etag-check-policy.doc', 'mongo.default-pagesize', 'mongo.max-pagesize',
  ]),
  g(D, "docrest's caches are kept correct on every write instead of expiring, so they need no settings", {
    'mongo.local-cache-enabled': ANY, 'mongo.local-cache-ttl': ANY, 'mongo.get-collection-cache-enabled': ANY, 'mongo.get-collection-cache-size': ANY,
    'mongo.get-collection-cache-ttl': ANY, 'mongo.get-collection-cache-docs': ANY, 'mongo.cursor-batch-size': ANY,
  }),
  g(U, 'JSON schema validation is not built yet (501)', { 'mongo.schema-cache-enabled': ANY, 'mongo.schema-cache-ttl': ANY }),
  g(H, '', [
    'mongo.aggregation-check-operators', 'aggregationSecurity.enabled', 'aggregationSecurity.stageBlacklist', 'aggregationSecurity.operatorBlacklist',
    'aggregationSecurity.allowCrossDatabaseOperations', 'aggregationSecurity.allowJavaScriptExecution',
  ]),
  g(D, '0 (no limit in RESTHeart) leaves docrest.default-time-limit in force', ['mongo.query-time-limit', 'mongo.aggregation-time-limit']),
  g(H, '', ['filterOperatorsBlacklist.enabled', 'filterOperatorsBlacklist.blacklist', 'ping.enabled', 'ping.msg', 'ping.enable-extended-response', 'database-probe.enabled', 'roles.uri']),
  g(U, '/health/db waits for the engine without a timeout', { 'database-probe.timeout-ms': 2000 }),
  g(D, '/health/db pings the engine docrest runs on', { 'database-probe.dbname': ANY }),

  // authentication
  g(H, '', [
    'tokenBasicAuthMechanism.enabled', 'basicAuthMechanism.enabled', 'basicAuthMechanism.authenticator',
    'jwtConfigProvider.enabled', 'jwtConfigProvider.key', 'jwtConfigProvider.algorithm', 'jwtConfigProvider.issuer', 'jwtConfigProvider.audience',
    'jwtAuthenticationMechanism.enabled', 'jwtAuthenticationMechanism.base64Encoded', 'jwtAuthenticationMechanism.usernameClaim',
    'jwtAuthenticationMechanism.rolesClaim', 'jwtAuthenticationMechanism.fixedRoles',
    'authCookieHandler.enabled', 'authCookieSetter.enabled', 'authCookieSetter.name', 'authCookieSetter.domain', 'authCookieSetter.path',
    'authCookieSetter.http-only', 'authCookieSetter.same-site', 'authCookieSetter.same-site-mode', 'authCookieSetter.ttl', 'authCookieSetter.secure',
    'authCookieRemover.secure',
  ]),
  g(U, 'Digest authentication is not built', { 'digestAuthMechanism.enabled': false, 'digestAuthMechanism.realm': ANY, 'digestAuthMechanism.domain': ANY, 'digestAuthMechanism.authenticator': ANY }),
  g(U, 'identity authentication is not built', { 'identityAuthMechanism.enabled': false, 'identityAuthMechanism.username': ANY, 'identityAuthMechanism.roles': ANY }),
  g(U, 'the ?set-auth-cookie parameter is not built', { 'authCookieSetter.allow-legacy': false }),
  g(U, 'POST /logout is always served', { 'authCookieRemover.enabled': true, 'authCookieRemover.defaultUri': '/logout' }),
  g(H, '', [
    'mongoRealmAuthenticator.enabled', 'mongoRealmAuthenticator.users-db', 'mongoRealmAuthenticator.users-collection', 'mongoRealmAuthenticator.prop-id',
    'mongoRealmAuthenticator.prop-password', 'mongoRealmAuthenticator.json-path-roles', 'mongoRealmAuthenticator.bcrypt-hashed-password',
    'mongoRealmAuthenticator.bcrypt-complexity', 'mongoRealmAuthenticator.create-user', 'mongoRealmAuthenticator.create-user-document',
    'mongoRealmAuthenticator.cache-size', 'mongoRealmAuthenticator.cache-ttl', 'fileRealmAuthenticator.enabled', 'fileRealmAuthenticator.users',
    'bruteForceAttackGuard.enabled', 'bruteForceAttackGuard.max-failed-attempts', 'bruteForceAttackGuard.trust-x-forwarded-for',
    'bruteForceAttackGuard.x-forwarded-for-value-from-last-element',
  ]),
  g(D, 'verified credentials are always cached for cache-ttl (bcrypt on every request would cap a server at tens of requests per second), and checked again in the background before an entry in use expires', {
    'mongoRealmAuthenticator.cache-enabled': ANY, 'mongoRealmAuthenticator.cache-expire-policy': ANY,
  }),
  g(U, 'password strength is not checked', { 'mongoRealmAuthenticator.enforce-minimum-password-strength': false, 'mongoRealmAuthenticator.minimum-password-strength': ANY }),
  g(U, 'users and permissions are read from the configuration itself, not from a separate file', { 'fileRealmAuthenticator.conf-file': null, 'fileAclAuthorizer.conf-file': null }),

  // tokens
  g(H, '', ['jwtTokenManager.enabled', 'jwtTokenManager.ttl', 'jwtTokenManager.srv-uri', 'jwtTokenManager.account-properties-claims', 'authTokenService.redirect-url']),
  g(D, 'the token service is always at /token, as in RESTHeart', { 'authTokenService.uri': '/token' }),
  g(U, 'rndTokenManager is not built (jwtTokenManager is)', { 'rndTokenManager.enabled': false, 'rndTokenManager.ttl': ANY, 'rndTokenManager.srv-uri': ANY }),
  g(U, 'OAuth, user accounts, sign-up and e-mail services are not built', {
    oauthAuthorizationServerMetadataService: pluginOff(false), oauthAuthorizationService: pluginOff(false),
    oauthProtectedResourceMetadataService: pluginOff(false), oauthClientRegistrationService: pluginOff(false),
    accountsConfig: pluginOff(false), accountsService: pluginOff(false), accountsInitializer: pluginOff(false), registerService: pluginOff(false),
    emailVerificationService: pluginOff(false), forgotPasswordService: pluginOff(false), resetPasswordService: pluginOff(false),
    activateService: pluginOff(false), inviteService: pluginOff(false), resendInviteService: pluginOff(false), getTeamsService: pluginOff(false),
    switchTeamService: pluginOff(false), tokenFailedAuthInterceptor: pluginOff(false), oauthConfig: pluginOff(false), oauthService: pluginOff(false),
    oauthInitiator: pluginOff(false), oauthCallback: pluginOff(false), googleOAuthProvider: pluginOff(false), githubOAuthProvider: pluginOff(false),
    emails: pluginOff(false),
  }),

  // authorization
  g(H, '', [
    'mongoAclAuthorizer.enabled', 'mongoAclAuthorizer.acl-db', 'mongoAclAuthorizer.acl-collection', 'mongoAclAuthorizer.root-role',
    'mongoAclAuthorizer.cache-enabled', 'mongoAclAuthorizer.cache-ttl', 'fileAclAuthorizer.enabled', 'fileAclAuthorizer.permissions',
    'fullAuthorizer.enabled', 'fullAuthorizer.authentication-required', 'originVetoer.enabled', 'originVetoer.whitelist',
    'originVetoer.whitelist-patterns', 'originVetoer.ignore-paths', 'originVetoer.allow-missing-origin', 'rootRoleGuard.enabled',
  ]),
  g(D, 'the permission cache is bounded by cache-ttl only', { 'mongoAclAuthorizer.cache-size': ANY, 'mongoAclAuthorizer.cache-expire-policy': ANY }),

  // response headers, logging, other services
  g(H, '', ['xPoweredBy.enabled']),
  g(U, 'the Date header is always sent (Node.js)', { 'dateHeader.enabled': true }),
  g(H, 'TRACE, DEBUG, INFO, WARN, ERROR or OFF', ['logging.log-level']),
  g(U, 'docrest logs JSON lines (pino) to stdout and writes no request log', {
    'logging.log-to-console': true, 'logging.log-to-file': false, 'logging.requests-log-mode': oneOf(0, 1),
    'logging.ansi-console': ANY, 'logging.no-colors': ANY, 'logging.log-file-path': ANY, 'logging.packages': ANY, 'logging.full-stacktrace': ANY,
    'logging.tracing-headers': ANY, 'logging.requests-log-exclude-patterns': ANY, 'logging.requests-log-exclude-interval': ANY,
  }),
  g(H, 'Prometheus metrics (README, Metrics)', [
    'metrics.enabled', 'metrics.uri', 'metrics.missing-registry-status-code',
    'requestsMetricsCollector.enabled', 'requestsMetricsCollector.include', 'requestsMetricsCollector.exclude',
  ]),
  g(D, "no /jvm registry: the process's memory, CPU, GC and event-loop figures are always in /metrics/docrest", ['jvmMetricsCollector.enabled']),
  g(U, 'GraphQL is not built', { graphql: pluginOff(true), 'createIndexesOnGqlApps.enabled': false }),
  g(D, "README, Static resources: a relative `what` is read from the working directory; `embedded` entries are refused at startup, except RESTHeart's own metrics page, which is skipped; dot files are not served; docrest's own `welcome-file-fallback` serves single-page apps", ['static-resources']),
  g(D, "README, Proxies: Undertow's pool settings (connections-per-thread, soft-max-connections-per-thread, max-queue-size, connections-ttl) are not used; an unreachable target is 502 (RESTHeart: 503); docrest's own `connect-timeout` and `idle-timeout`", ['proxies']),
  g(H, 'README, CSV import', ['csvLoader.enabled', 'csvLoader.uri']),
  g(U, 'the cache invalidation service is not built', { cacheInvalidator: pluginOff(false) }),

  // docrest's own
  g(O, 'CORS headers (README, Configuration)', [
    'cors.enabled', 'cors.allow-origin', 'cors.allow-credentials', 'cors.expose-headers', 'cors.allow-methods', 'cors.allow-headers',
    'cors.extra-expose-headers', 'cors.extra-allow-headers', 'cors.vary-origin', 'cors.max-age',
  ]),
  g(O, 'only the seed profile is built', { 'cors.profile': 'seed' }),
  g(O, 'README, Configuration and TLS', [
    'docrest.data-dir', 'docrest.max-body-size', 'docrest.max-file-size', 'docrest.engine', 'docrest.workers', 'docrest.default-time-limit',
    'docrest.tls.cert', 'docrest.tls.key', 'docrest.trusted-proxies',
  ]),
  g(O, "README, Sessions and transactions (embedded engine; on MongoDB the server's transactionLifetimeLimitSeconds applies)", [
    'docrest.transaction-lifetime-limit',
  ]),
  g(O, 'README, Change streams (the log keys: embedded engine; on MongoDB the oplog size applies)', [
    'docrest.change-streams.log-retention', 'docrest.change-streams.log-max-entries', 'docrest.change-streams.client-buffer',
    'docrest.change-streams.heartbeat',
  ]),
  g(O, 'README, Admin UI', ['docrest.admin-ui.enabled', 'docrest.admin-ui.uri']),
  g(O, 'README, Memory', ['docrest.memory-release.idle-seconds', 'docrest.memory-release.min-growth']),
];
