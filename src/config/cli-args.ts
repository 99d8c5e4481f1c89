// Command-line parsing: RESTHeart's forms (`<file.yml>`, -o, -t, -c, -h, -v) plus docrest's own flags.
import { ConfigError } from './load.ts';

export interface CliArgs {
  configFile?: string;
  overrideFile?: string;
  printDefault: boolean;
  printEffective: boolean;
  help: boolean;
  version: boolean;
  strictConfig: boolean;
  port?: number;
  dataDir?: string;
  workers?: number;
}

export const HELP_TEXT = `Usage: docrest [options] [<config-file.yml>]

RESTHeart-compatible REST API server. A RESTHeart configuration file works unchanged; a partial
file is merged over the built-in defaults.

Options:
  <config-file.yml>       configuration file (YAML), same as --config
  --config <file>         configuration file (YAML)
  -o, --override <file>   override file applied after the configuration file:
                            .yml/.yaml   map of path -> value   (/core/name: prod)
                            .json/.jsonc object of path -> value (comments allowed)
                            .conf        RHO syntax, one or more assignments ending with ';',
                                         lines starting with # ignored
  -t                      print the default configuration and exit
  -c                      print the effective configuration (after all overrides) and exit;
                          secrets are masked, each key says whether docrest honours it
  --strict-config         refuse to start when a configuration key is unknown or asks for
                          something docrest does not support (otherwise: one warning per key)
  --port <n>              HTTP listener port (overrides http-listener.port; 0 = any free port)
  --data-dir <dir>        data directory of the embedded engine (docrest.data-dir)
  --workers <n>           number of worker processes (docrest.workers)
  -v, --version           print the version and exit
  -h, --help              print this help and exit

Environment:
  RHO   configuration overrides applied after the override file (command-line flags still win):
        assignments '<path> -> <json value>' separated by ';'. Paths start with '/', list indices
        are 1-based, strings must be quoted, object keys may be unquoted. Invalid assignments are
        logged and skipped. Example:

          RHO='/http-listener/host->"0.0.0.0";/mclient/connection-string->"mongodb://db:27017";/mongo/mongo-mounts[1]->{"what":"*","where":"/"}' docrest

Order of application (later wins): defaults or <config-file>, -o file, RHO, --port/--data-dir/--workers.
`;

function intArg(flag: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(`${flag} expects an integer between ${min} and ${max}, got '${value}'`);
  }
  return Number(value);
}

/** Parses the arguments after the script name (process.argv.slice(2)). */
export function parseArgs(argv: string[]): CliArgs {
  const args: CliArgs = { printDefault: false, printEffective: false, help: false, version: false, strictConfig: false };
  let configFrom = '';
  const setConfig = (file: string, how: string): void => {
    if (configFrom !== '') throw new ConfigError(`configuration file given twice (${configFrom} and ${how}); use --help for usage`);
    configFrom = how;
    args.configFile = file;
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      for (const rest of argv.slice(i + 1)) setConfig(rest, `'${rest}'`);
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      setConfig(arg, `'${arg}'`);
      continue;
    }
    // `--flag=value` and `--flag value` are both accepted for long options
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new ConfigError(`${flag} requires a value; use --help for usage`);
      return v;
    };
    const noValue = (): void => {
      if (eq > 0) throw new ConfigError(`${flag} does not take a value`);
    };
    switch (flag) {
      case '--config': setConfig(value(), '--config'); break;
      case '-o': case '--override': args.overrideFile = value(); break;
      case '-t': noValue(); args.printDefault = true; break;
      case '-c': noValue(); args.printEffective = true; break;
      case '-h': case '--help': noValue(); args.help = true; break;
      case '-v': case '--version': noValue(); args.version = true; break;
      case '--strict-config': noValue(); args.strictConfig = true; break;
      case '--port': args.port = intArg(flag, value(), 0, 65535); break;
      case '--data-dir': {
        const dir = value();
        if (dir === '') throw new ConfigError('--data-dir expects a directory');
        args.dataDir = dir;
        break;
      }
      case '--workers': args.workers = intArg(flag, value(), 1, 1024); break;
      default:
        throw new ConfigError(`unknown option '${flag}'; use --help for usage`);
    }
  }
  return args;
}
