// Built-in default configuration (CONFIG.md; values of RESTHeart 9's shipped file, or the code
// fallback where the file omits a key). Kept as a string so it ships without copying assets and
// `docrest -t` can print it verbatim. Parsed as YAML 1.1, so `1_000` is the number 1000.

export const DEFAULT_CONFIG_YAML = `## docrest default configuration (RESTHeart-compatible keys + docrest's own "cors" and "docrest")
---
http-listener:
  enabled: true
  host: localhost
  port: 8080

https-listener:
  enabled: false
  host: localhost
  port: 4443
  keystore-path: null
  keystore-password: null
  certificate-password: null

ajp-listener:
  enabled: false
  host: localhost
  port: 8009

core:
  name: default
  base-url: null
  # true: requests without Accept-Encoding gzip/deflate -> 400
  force-gzip-encoding: false
  allow-unescaped-characters-in-url: true

connection-options:
  MAX_HEADER_SIZE: 1048576
  # -1 = unlimited; a value > 0 wins over docrest.max-body-size
  MAX_ENTITY_SIZE: -1
  MAX_PARAMETERS: 1_000
  MAX_HEADERS: 200
  MAX_COOKIES: 200

mclient:
  connection-string: mongodb://127.0.0.1

mongo:
  enabled: true
  uri: /
  mongo-mounts:
    - what: /restheart
      where: /
  instance-base-url: null
  default-representation-format: STANDARD
  etag-check-policy:
    db: REQUIRED_FOR_DELETE
    coll: REQUIRED_FOR_DELETE
    doc: OPTIONAL
  aggregation-check-operators: true
  default-pagesize: 100
  max-pagesize: 1_000
  query-time-limit: 0
  aggregation-time-limit: 0
  local-cache-enabled: true
  local-cache-ttl: 60_000
  schema-cache-enabled: true
  schema-cache-ttl: 60_000
  get-collection-cache-enabled: true
  get-collection-cache-size: 100
  get-collection-cache-ttl: 10_000
  get-collection-cache-docs: 1_000
  cursor-batch-size: 1_000

aggregationSecurity:
  enabled: true
  stageBlacklist: ["$out", "$merge", "$lookup", "$graphLookup", "$unionWith"]
  operatorBlacklist: ["$where", "$function", "$accumulator"]
  allowCrossDatabaseOperations: false
  allowJavaScriptExecution: false

filterOperatorsBlacklist:
  enabled: true
  blacklist: ["$where"]

ping:
  enabled: true
  msg: Greetings from RESTHeart!
  enable-extended-response: true

database-probe:
  enabled: true
  timeout-ms: 2_000
  dbname: admin

#### Authentication mechanisms

tokenBasicAuthMechanism:
  enabled: true

basicAuthMechanism:
  enabled: true
  authenticator: mongoRealmAuthenticator

jwtAuthenticationMechanism:
  enabled: true
  base64Encoded: false
  usernameClaim: sub
  rolesClaim: roles
  fixedRoles: []

jwtConfigProvider:
  enabled: true
  # null: a random key is generated at startup (tokens die on restart)
  key: null
  algorithm: HS256
  issuer: restheart.org
  audience: null

digestAuthMechanism:
  enabled: false
  realm: RESTHeart Realm
  domain: localhost
  authenticator: mongoRealmAuthenticator

identityAuthMechanism:
  enabled: false
  username: admin
  roles: [admin, user]

authCookieHandler:
  enabled: true

authCookieSetter:
  enabled: true
  name: rh_auth
  domain: localhost
  path: /
  http-only: true
  same-site: true
  same-site-mode: strict
  # minutes
  ttl: 15
  secure: true
  allow-legacy: false

authCookieRemover:
  enabled: true
  secure: false
  defaultUri: /logout

#### Authenticators

mongoRealmAuthenticator:
  enabled: true
  users-db: restheart
  users-collection: users
  prop-id: _id
  prop-password: password
  json-path-roles: $.roles
  bcrypt-hashed-password: true
  bcrypt-complexity: 12
  enforce-minimum-password-strength: false
  minimum-password-strength: 3
  create-user: true
  # a JSON string as in RESTHeart's file (a YAML map is accepted too); password is 'secret'
  create-user-document: '{"_id": "admin", "password": "$2a$12$lZiMMNJ6pkyg4uq/I1cF5uxzUbU25aXHtg7W7sD2ED7DG1wzUoo6u", "roles": ["admin"]}'
  cache-enabled: false
  cache-size: 1_000
  cache-ttl: 60_000
  cache-expire-policy: AFTER_WRITE

fileRealmAuthenticator:
  enabled: false
  users:
    - userid: admin
      password: null
      roles: [admin]

bruteForceAttackGuard:
  enabled: false
  max-failed-attempts: 5
  trust-x-forwarded-for: false
  x-forwarded-for-value-from-last-element: 0

#### Token managers and token service

jwtTokenManager:
  enabled: true
  # minutes
  ttl: 15
  srv-uri: /token
  account-properties-claims: null

rndTokenManager:
  enabled: false
  ttl: 15
  srv-uri: /tokens

authTokenService:
  uri: /token
  redirect-url: null

roles:
  uri: /roles

oauthAuthorizationServerMetadataService:
  enabled: false
oauthAuthorizationService:
  enabled: false
oauthProtectedResourceMetadataService:
  enabled: false
oauthClientRegistrationService:
  enabled: false

#### Authorizers

mongoAclAuthorizer:
  enabled: true
  acl-db: restheart
  acl-collection: acl
  root-role: admin
  cache-enabled: true
  cache-size: 1_000
  cache-ttl: 5_000
  cache-expire-policy: AFTER_WRITE

fileAclAuthorizer:
  enabled: false
  permissions:
    - role: admin
      predicate: path-prefix('/')
      priority: 0

fullAuthorizer:
  enabled: false
  authentication-required: true

originVetoer:
  enabled: false
  whitelist:
    - https://restheart.org
    - http://localhost
  allow-missing-origin: true

rootRoleGuard:
  enabled: true

#### Response headers and logging

xPoweredBy:
  enabled: true

dateHeader:
  enabled: true

logging:
  log-level: INFO
  log-to-console: true
  log-to-file: false
  log-file-path: restheart.log
  full-stacktrace: false
  # 0 none, 1 light, 2 full dump (may log credentials)
  requests-log-mode: 1

#### Metrics (README, Metrics)

metrics:
  enabled: true
  uri: /metrics
  # 404, or 200 with an empty body, for an unknown registry
  missing-registry-status-code: 404

requestsMetricsCollector:
  enabled: true
  include: ["/*"]
  exclude: ["/metrics", "/metrics/*"]

jvmMetricsCollector:
  enabled: false

#### docrest extensions (not RESTHeart keys)

# CORS.md section 3: seed header lists with Origin echo
cors:
  enabled: true
  # seed | current
  profile: seed
  # echo | "*" | an explicit origin
  allow-origin: echo
  allow-credentials: true
  expose-headers: Location, ETag, Auth-Token, Auth-Token-Valid-Until, Auth-Token-Location
  allow-methods: GET, PUT, POST, PATCH, DELETE, OPTIONS
  allow-headers: Accept, Accept-Encoding, Authorization, Content-Length, Content-Type, Host, If-Match, Origin, X-Requested-With, User-Agent, No-Auth-Challenge
  extra-expose-headers: []
  extra-allow-headers: []
  vary-origin: true
  # seconds; 0 or null = no Access-Control-Max-Age header
  max-age: 86_400

docrest:
  data-dir: ./data
  # bytes; connection-options.MAX_ENTITY_SIZE wins when > 0
  max-body-size: 16_777_216
  # bytes; the limit of a multipart upload to a file bucket (413 above it); 0 or less = unlimited
  max-file-size: 4_294_967_296
  workers: 1
  # ms; the time limit of a query or aggregation when mongo.query-time-limit / aggregation-time-limit is 0
  default-time-limit: 30000
  # seconds an embedded-engine transaction may stay open before it is aborted (MongoDB's transactionLifetimeLimitSeconds)
  transaction-lifetime-limit: 60
  change-streams:
    # seconds of the embedded engine's change log kept for resuming (older Last-Event-IDs are refused)
    log-retention: 86_400
    # at most this many change log entries are kept
    log-max-entries: 1_000_000
    # bytes of change events waiting for one client before it is disconnected
    client-buffer: 4_194_304
    # seconds between SSE heartbeat comments (and WebSocket pings)
    heartbeat: 15
  # an idle server gives memory back (README, Memory): one full garbage collection, tens to a few
  # hundred ms, after idle-seconds without work (0 = never) once the resident set grew by min-growth bytes
  memory-release:
    idle-seconds: 30
    min-growth: 33_554_432
  # the admin web UI (README, Admin UI): static files; it logs in like any client
  admin-ui:
    enabled: true
    uri: /_admin
`;
