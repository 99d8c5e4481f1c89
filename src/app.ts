// Starts docrest: the engine the settings select, the HTTP server, and a clean shutdown.
import type { FastifyInstance } from 'fastify';
import { EmbeddedEngine } from './engine/embedded/engine.ts';
import type { Engine } from './engine/types.ts';
import { buildServer, type ServerOptions } from './http/server.ts';
import type { Config } from './config/load.ts';
import { bootstrapSecurity } from './security/bootstrap.ts';
import { Security } from './security/security.ts';
import { settingsFrom, type Settings } from './settings.ts';

export interface Running {
  settings: Settings;
  app: FastifyInstance;
  engine: Engine;
  url: string;
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
    throw new Error(`the MongoDB engine (mclient.connection-string ${settings.connectionString}) is not implemented yet; `
      + 'remove the connection string or set docrest.engine: embedded');
  }
  return new EmbeddedEngine(settings.dataDir);
}

export async function start(cfg: Config, opts: ServerOptions = {}): Promise<Running> {
  const settings = settingsFrom(cfg);
  const engine = await createEngine(settings);
  let app: FastifyInstance | undefined;
  try {
    await bootstrapSecurity(cfg, engine);
    const security = new Security(cfg, engine, settings.filterBlacklist, (m) => app?.log.warn(m));
    app = await buildServer(settings, engine, security, opts);
    const { defaultAdminPassword, randomJwtKey } = await security.bootstrap();
    if (defaultAdminPassword) app.log.warn(DEFAULT_PASSWORD_WARNING);
    if (randomJwtKey) app.log.warn('jwtConfigProvider.key is not set: a random key signs tokens, so they die on restart and other instances reject them');
    await app.listen({ host: settings.host, port: settings.port });
  } catch (e) {
    await app?.close();
    await engine.close();
    throw e;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : settings.port;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  return {
    settings,
    app,
    engine,
    url: `http://${host}:${port}`,
    close: async () => {
      await app.close();
      await engine.close();
    },
  };
}
