// Starts docrest: the engine the settings select, the HTTP server, and a clean shutdown.
import type { FastifyInstance } from 'fastify';
import { EmbeddedEngine } from './engine/embedded/engine.ts';
import type { Engine } from './engine/types.ts';
import { buildServer, type ServerOptions } from './http/server.ts';
import type { Config } from './config/load.ts';
import { bootstrapSecurity } from './security/bootstrap.ts';
import { settingsFrom, type Settings } from './settings.ts';

export interface Running {
  settings: Settings;
  app: FastifyInstance;
  engine: Engine;
  url: string;
  close: () => Promise<void>;
}

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
  const app = await buildServer(settings, engine, opts);
  try {
    await bootstrapSecurity(cfg, engine);
    await app.listen({ host: settings.host, port: settings.port });
  } catch (e) {
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
