// Plugin tests' common parts: a temp plugins directory (the examples, RESTHeart's own example
// interceptor, or modules written by a test) and the engines every example runs on.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { WireShim } from '../engine/wire/shim.ts';

export const EXAMPLES = new URL('../../examples/plugins/docrest-examples/', import.meta.url).pathname;
export const RESTHEART_STYLE = new URL('./fixtures/restheart-style-plugin/', import.meta.url).pathname;

/** folder name → file path (inside the folder) → content */
export type PluginFiles = Record<string, Record<string, string>>;

export interface PluginsDir {
  dir: string;
  /** RHO naming this directory as core.plugins-directory */
  rho: string;
  remove: () => void;
}

/** A fresh plugins directory holding copies of `copies` (folder name → source folder) and `files`. */
export function pluginsDir(files: PluginFiles = {}, copies: Record<string, string> = {}): PluginsDir {
  const dir = mkdtempSync(join(tmpdir(), 'docrest-plugins-'));
  for (const [name, src] of Object.entries(copies)) cpSync(src, join(dir, name), { recursive: true });
  for (const [folder, entries] of Object.entries(files)) {
    for (const [path, content] of Object.entries(entries)) {
      const file = join(dir, folder, path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
    }
  }
  return { dir, rho: `/core/plugins-directory->"${dir}"`, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A package.json declaring plugin modules. */
export function manifest(services: string[], interceptors: string[] = []): string {
  return JSON.stringify({ name: 'test-plugin', version: '1.0.0', 'rh:services': services, 'rh:interceptors': interceptors });
}

export interface EngineUnderTest {
  name: string;
  /** RHO selecting the engine; start() before reading it */
  rho: () => string;
  start: () => Promise<void>;
  stop: () => Promise<void>;
}

/** The embedded engine, and the MongoDB engine through the driver against docrest's wire server. */
export function engines(): EngineUnderTest[] {
  let shim: WireShim | undefined;
  let dir = '';
  return [
    { name: 'embedded engine', rho: () => '', start: async () => {}, stop: async () => {} },
    {
      name: 'MongoDB engine (driver → wire server)',
      rho: () => `/docrest/engine->"mongodb";/mclient/connection-string->"mongodb://127.0.0.1:${shim!.port}"`,
      async start() {
        dir = mkdtempSync(join(tmpdir(), 'docrest-plugins-wire-'));
        shim = new WireShim(dir);
        await shim.listen();
      },
      async stop() {
        await shim?.close();
        rmSync(dir, { recursive: true, force: true });
      },
    },
  ];
}
