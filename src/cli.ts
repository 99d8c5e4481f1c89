// docrest's command line: configuration (file, -o, RHO, flags), then the server.
import { restartWithHeapFlags } from './v8-flags.ts';

// before the server's modules load: a restart after loading them would load them twice
restartWithHeapFlags();
const { start } = await import('./app.ts');
const { HELP_TEXT, parseArgs } = await import('./config/cli-args.ts');
const { DEFAULT_CONFIG_YAML } = await import('./config/defaults.ts');
const { ConfigError, applyCliArgs, getNumber, getString, loadConfig, maskSecrets, section } = await import('./config/load.ts');
const { keyWarnings, renderAnnotated } = await import('./config/key-check.ts');
const { adoptSharedKey, isWorker, reportListening, runPrimary } = await import('./cluster.ts');
const { pluginNames } = await import('./plugins/load.ts');
const { startMemoryRelease } = await import('./memory-release.ts');

const VERSION = '0.1.0';

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) return print(HELP_TEXT);
  if (args.version) return print(`docrest ${VERSION}`);
  if (args.printDefault) return print(DEFAULT_CONFIG_YAML);
  const cfg = applyCliArgs(loadConfig({
    file: args.configFile,
    overrideFile: args.overrideFile,
    rho: process.env.RHO,
    warn: (m) => console.warn(`WARN ${m}`),
    info: (m) => console.info(`INFO ${m}`),
  }), args);
  if (args.printEffective) return print(renderAnnotated(maskSecrets(cfg.raw)));
  // the primary speaks for its workers; reading the plugins here also stops a broken one before any worker starts
  const unhonoured = isWorker() ? [] : keyWarnings(cfg.raw, await pluginNames(cfg));
  for (const w of unhonoured) console.warn(`WARN ${w}`);
  if (args.strictConfig && unhonoured.length > 0) {
    throw new ConfigError(`--strict-config: ${unhonoured.length} configuration key(s) above are not honoured by docrest`);
  }
  const workers = getNumber(section(cfg, 'docrest'), 'workers', 1);
  if (workers > 1 && !isWorker()) {
    await runPrimary(cfg, workers, (m) => console.warn(m));
    console.info(`docrest ${VERSION}: ${workers} workers starting`);
    return -1;
  }
  if (isWorker()) adoptSharedKey(cfg);
  const running = await start(cfg, { bootstrap: !isWorker() });
  const name = getString(section(cfg, 'core'), 'name', 'default');
  running.log.info(`docrest ${VERSION} (${name}) listening on ${running.urls.join(', ')} (engine: ${running.engine.kind}, data: ${running.settings.dataDir})`);
  if (isWorker()) reportListening();
  const release = startMemoryRelease(running.settings.memoryRelease, () => running.engine.trimCaches());
  running.engine.onMemoryDropped = () => release.soon();
  const stop = async () => {
    release.stop();
    await running.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return -1;
}

function print(text: string): number {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  return 0;
}

main().then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError) console.error(`configuration error: ${err.message}`);
    else console.error(err instanceof Error && !(err as { code?: unknown }).code ? `docrest: ${err.message}` : err);
    process.exit(1);
  },
);
