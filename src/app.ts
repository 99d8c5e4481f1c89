// Starts docrest: the engine the settings select, the HTTP server, and a clean shutdown.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { EmbeddedEngine } from './engine/embedded/engine.ts';
import type { Engine } from './engine/types.ts';
import { closeStreams } from './api/handlers/streams.ts';
import { Listeners, planListeners } from './http/listeners.ts';
import { buildServer, type ServerOptions } from './http/server.ts';
import type { Config } from './config/load.ts';
import { bootstrapSecurity } from './security/bootstrap.ts';
import { registerPlugins } from './plugins/load.ts';
import { Security } from './security/security.ts';
import { settingsFrom, type Settings } from './settings.ts';

export interface Running {
  settings: Settings;
  app: FastifyInstance;
  log: Logger;
  engine: Engine;
  /** the http listener's URL, else the https listener's */
  url: string;
  /** every listener's URL, http first */
  urls: string[];
  close: () => Promise<void>;
}

const DEFAULT_PASSWORD_WARNING = [
  '',
  '*****************************************************************************',
  '*  SECURITY WARNING: user "admin" still has the default password "secret".  *',
  '*  Anyone who can reach this server can read and change all data.           *',
  '*  Change it now:  PATCH /users/admin  {"password": "<a new password>"}      *',
  '*****************************************************************************',
].join('\n');

export async function createEngine(settings: Settings): Promise<Engine> {
  if (settings.connectionString) {
    // loaded only for MongoDB: the driver (and the CommonJS copy of bson it brings) cost an
    // embedded server 8 MB of resident memory and 6 MB of heap at start (measured)
    const { MongoEngine } = await import('./engine/mongodb/engine.ts');
    return MongoEngine.connect(settings.connectionString);
  }
  // with one worker docrest owns the file; workers share it
  return new EmbeddedEngine(settings.dataDir, {
    exclusive: settings.workers === 1, transactionLifetimeMs: settings.transactionLifetimeMs,
    changeRetention: { maxAgeMs: settings.changeStreams.retentionMs, maxEntries: settings.changeStreams.retentionEntries },
  });
}

/**
 * What RESTHeart does at boot: the users and acl collections, the default user, and the warnings
 * a safe default owes the operator. Runs once per data set (in the primary when there are workers).
 */
async function bootstrap(cfg: Config, engine: Engine, security: Security, warn: (m: string) => void, loud = true): Promise<void> {
  await bootstrapSecurity(cfg, engine);
  const { defaultAdminPassword, randomJwtKey } = await security.bootstrap();
  if (defaultAdminPassword) {
    // the box is printed as it is (inside a JSON log line it would not be seen), unless warnings are off
    if (loud) process.stderr.write(`${DEFAULT_PASSWORD_WARNING}\n\n`);
    warn('user "admin" still has the default password "secret": change it with PATCH /users/admin');
  }
  if (randomJwtKey) warn('jwtConfigProvider.key is not set: a random key signs tokens, so they die on restart and other instances reject them');
}

/** The bootstrap alone, for the primary process of a multi-worker server. */
export async function prepareData(cfg: Config, warn: (m: string) => void): Promise<void> {
  const settings = settingsFrom(cfg);
  const engine = await createEngine(settings);
  try {
    await bootstrap(cfg, engine, new Security(cfg, engine, settings.filterBlacklist, warn), warn);
  } finally {
    await engine.close();
  }
}

/**
 * Starts the server; `bootstrap: false` in workers, whose primary did the once-per-server work
 * (data bootstrap, listener warnings).
 */
export async function start(cfg: Config, opts: ServerOptions & { bootstrap?: boolean } = {}): Promise<Running> {
  const settings = settingsFrom(cfg);
  // TLS material is checked before anything else starts
  const warnings: string[] = [];
  const listeners = new Listeners(planListeners(cfg, (m) => warnings.push(m)));
  const engine = await createEngine(settings);
  let app: FastifyInstance | undefined;
  let log: Logger | undefined;
  let urls: string[];
  try {
    const security = new Security(cfg, engine, settings.filterBlacklist, (m) => log?.warn(m));
    const server = await buildServer(settings, engine, security, { ...opts, serverFactory: listeners.factory });
    ({ app, log, upgrade: listeners.upgrade } = server);
    await registerPlugins(cfg, engine, log, server);
    if (opts.bootstrap !== false) {
      for (const w of warnings) log.warn(w);
      await bootstrap(cfg, engine, security, (m) => log!.warn(m), ['trace', 'debug', 'info', 'warn'].includes(log.level));
    }
    await app.ready();
    urls = await listeners.listen();
  } catch (e) {
    await listeners.close();
    await app?.close();
    await engine.close();
    throw e;
  }
  return {
    settings,
    app,
    log: log!,
    engine,
    url: urls[0]!,
    urls,
    close: async () => {
      // open change streams would keep the listeners from closing
      closeStreams(settings);
      await listeners.close();
      await app.close();
      await engine.close();
    },
  };
}
