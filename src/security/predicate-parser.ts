// Tokenizer and parser for Undertow's textual predicate language (SECURITY.md §7.1).
//
// Hand-written because the language has no JavaScript implementation: it is defined by
// Undertow's io.undertow.predicate.PredicateParser (Java). Precedence is not > and > or, as there;
// this is a recursive-descent equivalent of its shunting-yard parser. The parser only builds the
// syntax tree; predicate names and parameter types are checked by predicate-builtins.ts.

export class PredicateSyntaxError extends Error {
  constructor(message: string, text?: string, pos?: number) {
    super(text === undefined || pos === undefined ? message : `${message} at position ${pos} in: ${text}`);
    this.name = 'PredicateSyntaxError';
  }
}

/**
 * A scalar argument: the text of a quoted string or of a bare token (`GET`, `%u`, `${id}`).
 * `escaped` holds the indices in `text` of characters written with a backslash: an escaped `%`
 * or `$` is a literal, never the start of an exchange attribute (interpolate() relies on this).
 */
export interface Scalar { kind: 'scalar'; text: string; quoted: boolean; pos: number; escaped?: Set<number> }
export interface ArrayValue { kind: 'array'; items: Scalar[]; pos: number }
export type Value = Scalar | ArrayValue;

export interface CallNode {
  kind: 'call';
  name: string;
  pos: number;
  /** Named arguments (`k=v`), or undefined when the call used positional values. */
  named?: Map<string, Value>;
  /** Positional values: they all go to the predicate's default parameter. */
  positional: Value[];
}
export type Node =
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'not'; operand: Node }
  | CallNode;

type TokKind = 'punct' | 'bare' | 'string';
interface Token { kind: TokKind; text: string; pos: number; escaped?: Set<number> }

const PUNCT = new Set(['(', ')', ',', '=', '{', '}', '[', ']']);
const WS = new Set([' ', '\t', '\n', '\r', '\f', '\v']);

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (WS.has(c)) { i++; continue; }
    if (PUNCT.has(c)) { out.push({ kind: 'punct', text: c, pos: i }); i++; continue; }
    if (c === '"' || c === "'") {
      const start = i++;
      let s = '';
      const escaped = new Set<number>();
      for (;;) {
        if (i >= text.length) throw new PredicateSyntaxError('Unterminated string', text, start);
        const d = text[i]!;
        if (d === '\\' && i + 1 < text.length) { escaped.add(s.length); s += text[i + 1]; i += 2; continue; }
        if (d === c) { i++; break; }
        s += d;
        i++;
      }
      if (i < text.length && !WS.has(text[i]!) && !PUNCT.has(text[i]!)) {
        throw new PredicateSyntaxError('Unexpected character after string', text, i);
      }
      out.push({ kind: 'string', text: s, pos: start, escaped });
      continue;
    }
    // A bare token. A `{` inside one (`${id}`, `%{i,Host}`, `/x/{id}/*`) opens a brace group that
    // is part of the token, so its commas and braces are not punctuation.
    const start = i;
    let s = '';
    while (i < text.length) {
      const d = text[i]!;
      if (d === '{' && s.length > 0) {
        const close = text.indexOf('}', i);
        if (close < 0) throw new PredicateSyntaxError('Unterminated {', text, i);
        s += text.slice(i, close + 1);
        i = close + 1;
        continue;
      }
      if (WS.has(d) || PUNCT.has(d)) break;
      if (d === '"' || d === "'") throw new PredicateSyntaxError('Unexpected quote', text, i);
      s += d;
      i++;
    }
    out.push({ kind: 'bare', text: s, pos: start });
  }
  return out;
}

const OPERATORS = new Set(['and', 'or', 'not']);

class Parser {
  readonly text: string;
  readonly toks: Token[];
  i = 0;
  constructor(text: string) {
    this.text = text;
    this.toks = tokenize(text);
  }

  peek(): Token | undefined { return this.toks[this.i]; }
  fail(message: string, tok = this.peek()): PredicateSyntaxError {
    return new PredicateSyntaxError(tok ? message : `${message}: unexpected end of input`, this.text, tok ? tok.pos : this.text.length);
  }
  isPunct(t: Token | undefined, p: string): boolean { return t !== undefined && t.kind === 'punct' && t.text === p; }
  isOp(t: Token | undefined, op: string): boolean { return t !== undefined && t.kind === 'bare' && t.text === op; }
  expect(p: string): Token {
    const t = this.peek();
    if (!this.isPunct(t, p)) throw this.fail(`Expected '${p}'`);
    this.i++;
    return t!;
  }

  parseAll(): Node {
    if (this.toks.length === 0) throw new PredicateSyntaxError('Empty predicate');
    const n = this.parseOr();
    if (this.i < this.toks.length) throw this.fail(this.isPunct(this.peek(), ')') ? 'Unbalanced parenthesis' : 'Expected and/or');
    return n;
  }

  parseOr(): Node {
    let left = this.parseAnd();
    while (this.isOp(this.peek(), 'or')) { this.i++; left = { kind: 'or', left, right: this.parseAnd() }; }
    return left;
  }

  parseAnd(): Node {
    let left = this.parseNot();
    while (this.isOp(this.peek(), 'and')) { this.i++; left = { kind: 'and', left, right: this.parseNot() }; }
    return left;
  }

  parseNot(): Node {
    if (this.isOp(this.peek(), 'not')) { this.i++; return { kind: 'not', operand: this.parseNot() }; }
    return this.parsePrimary();
  }

  parsePrimary(): Node {
    const t = this.peek();
    if (this.isPunct(t, '(')) {
      this.i++;
      const n = this.parseOr();
      if (!this.isPunct(this.peek(), ')')) throw this.fail('Unbalanced parenthesis: expected )');
      this.i++;
      return n;
    }
    if (!t || t.kind !== 'bare' || OPERATORS.has(t.text)) throw this.fail('Expected a predicate');
    this.i++;
    const call: CallNode = { kind: 'call', name: t.text, pos: t.pos, positional: [] };
    const open = this.peek();
    if (this.isPunct(open, '(')) { this.i++; this.parseArgs(call, ')'); }
    else if (this.isPunct(open, '[')) { this.i++; this.parseArgs(call, ']'); }
    return call;
  }

  parseArgs(call: CallNode, close: string): void {
    if (this.isPunct(this.peek(), close)) { this.i++; return; }
    for (;;) {
      const t = this.peek();
      const next = this.toks[this.i + 1];
      if (t && t.kind === 'bare' && this.isPunct(next, '=')) {
        if (call.positional.length > 0) throw this.fail('Cannot mix named and unnamed parameters', t);
        this.i += 2;
        call.named ??= new Map();
        if (call.named.has(t.text)) throw this.fail(`Duplicate parameter ${t.text}`, t);
        call.named.set(t.text, this.parseValue());
      } else {
        if (call.named) throw this.fail('Cannot mix named and unnamed parameters', t);
        call.positional.push(this.parseValue());
      }
      const sep = this.peek();
      if (this.isPunct(sep, close)) { this.i++; return; }
      if (!this.isPunct(sep, ',')) throw this.fail(`Expected , or ${close}`);
      this.i++;
    }
  }

  parseValue(): Value {
    const t = this.peek();
    if (this.isPunct(t, '{')) {
      this.i++;
      const items: Scalar[] = [];
      if (this.isPunct(this.peek(), '}')) { this.i++; return { kind: 'array', items, pos: t!.pos }; }
      for (;;) {
        items.push(this.parseScalar());
        if (this.isPunct(this.peek(), '}')) { this.i++; return { kind: 'array', items, pos: t!.pos }; }
        this.expect(',');
      }
    }
    return this.parseScalar();
  }

  parseScalar(): Scalar {
    const t = this.peek();
    if (!t || t.kind === 'punct' || (t.kind === 'bare' && OPERATORS.has(t.text))) throw this.fail('Expected a value');
    this.i++;
    return { kind: 'scalar', text: t.text, quoted: t.kind === 'string', pos: t.pos, escaped: t.escaped };
  }
}

export function parsePredicate(text: string): Node {
  return new Parser(text).parseAll();
}
