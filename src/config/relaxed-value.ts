// Relaxed JSON reader for configuration values (RHO assignments, .json/.jsonc override files).
// RESTHeart parses RHO values with the MongoDB JSON reader, which also takes single-quoted strings
// and unquoted object keys; this covers that subset. Kept separate from src/json on purpose: config
// loading must not depend on the request-body codec. Bare words other than true/false/null are
// rejected, because RHO requires strings to be quoted.

export class RelaxedJsonError extends Error {
  readonly position: number;
  constructor(message: string, position: number) {
    super(`${message} at position ${position}`);
    this.position = position;
  }
}

export interface RelaxedOptions {
  /** .jsonc style: `//`, `/* *\/` and `#` comments plus trailing commas (Gson lenient mode accepts these) */
  jsonc?: boolean;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const UNQUOTED_KEY = /[A-Za-z0-9_$.-]+/y;
const ESCAPES: Record<string, string> = { '"': '"', "'": "'", '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Own-property assignment that also works for a key named "__proto__". */
export function putKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

export function parseRelaxedValue(text: string, opts: RelaxedOptions = {}): unknown {
  const jsonc = opts.jsonc ?? false;
  let i = 0;

  const fail = (msg: string): never => {
    throw new RelaxedJsonError(msg, i);
  };

  const skip = (): void => {
    for (;;) {
      while (i < text.length && /\s/.test(text[i]!)) i++;
      if (!jsonc) return;
      if (text.startsWith('//', i) || text[i] === '#') {
        const nl = text.indexOf('\n', i);
        i = nl < 0 ? text.length : nl + 1;
      } else if (text.startsWith('/*', i)) {
        const end = text.indexOf('*/', i + 2);
        if (end < 0) fail('unterminated comment');
        i = end + 2;
      } else return;
    }
  };

  const str = (): string => {
    const quote = text[i++]!;
    let out = '';
    while (i < text.length) {
      const c = text[i++]!;
      if (c === quote) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = text[i++];
      if (e === undefined) break;
      if (e === 'u') {
        const hex = text.slice(i, i + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('invalid \\u escape');
        out += String.fromCharCode(parseInt(hex, 16));
        i += 4;
      } else if (e in ESCAPES) {
        out += ESCAPES[e];
      } else {
        fail(`invalid escape \\${e}`);
      }
    }
    return fail('unterminated string');
  };

  const key = (): string => {
    const c = text[i];
    if (c === '"' || c === "'") return str();
    UNQUOTED_KEY.lastIndex = i;
    const m = UNQUOTED_KEY.exec(text);
    if (!m) fail('expected an object key');
    i += m![0].length;
    return m![0];
  };

  // Shared loop for objects and arrays: handles separators, trailing commas and the closer.
  const items = (close: string, item: () => void): void => {
    i++;
    skip();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      item();
      skip();
      if (text[i] === ',') {
        i++;
        skip();
        if (jsonc && text[i] === close) {
          i++;
          return;
        }
        continue;
      }
      if (text[i] === close) {
        i++;
        return;
      }
      fail(`expected ',' or '${close}'`);
    }
  };

  const value = (): unknown => {
    skip();
    const c = text[i];
    if (c === undefined) return fail('unexpected end of input');
    if (c === '{') {
      const obj: Record<string, unknown> = {};
      items('}', () => {
        const k = key();
        skip();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        putKey(obj, k, value());
      });
      return obj;
    }
    if (c === '[') {
      const arr: unknown[] = [];
      items(']', () => arr.push(value()));
      return arr;
    }
    if (c === '"' || c === "'") return str();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i) && !/[\w$]/.test(text[i + word.length] ?? '')) {
        i += word.length;
        return v;
      }
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m && !/[\w$.]/.test(text[i + m[0].length] ?? '')) {
      i += m[0].length;
      return Number(m[0]);
    }
    return fail('unexpected token (strings must be quoted)');
  };

  const result = value();
  skip();
  if (i < text.length) fail('unexpected trailing text');
  return result;
}
