// Checks a configuration tree against the key table (keys.ts): warnings for keys that ask for
// something docrest does not do and for keys it does not know, `-c`'s annotated output, and the
// README's key table.
import { Document, isPair, isScalar, visit, type Pair } from 'yaml';
import { ANY, KEY_GROUPS, sameValue, type KeyGroup, type Status } from './keys.ts';
import { YAML_OPTS, isMap, isSecretName, maskSecrets, type ConfigTree } from './load.ts';

interface Entry {
  group: KeyGroup;
  /** undefined: no value earns a warning */
  quiet?: (v: unknown) => boolean;
}

const ENTRIES = new Map<string, Entry>();
/** Paths above table keys (`mongo`, `mongo.etag-check-policy`): walked into, never reported. */
const SECTIONS = new Set<string>();

for (const group of KEY_GROUPS) {
  const keys: [string, unknown][] = Array.isArray(group.keys) ? group.keys.map((k: string) => [k, ANY]) : Object.entries(group.keys);
  for (const [key, q] of keys) {
    const quiet = q === ANY ? undefined : typeof q === 'function' ? (q as (v: unknown) => boolean) : (v: unknown) => sameValue(v, q);
    ENTRIES.set(key, { group, quiet });
    const parts = key.split('.');
    for (let i = 1; i < parts.length; i++) SECTIONS.add(parts.slice(0, i).join('.'));
  }
}

export interface KeyFinding {
  path: string;
  value: unknown;
  status: Status | 'unknown';
  note: string;
  /** true when the value asks for something docrest does not do, or the key is unknown */
  warn: boolean;
}

/**
 * Every key of the tree that the table classifies or does not know, in the tree's order; the
 * sections of loaded plugins (`pluginSections`, their names) are theirs to read, never reported.
 */
export function classify(tree: ConfigTree, pluginSections: readonly string[] = []): KeyFinding[] {
  const out: KeyFinding[] = [];
  const walk = (map: ConfigTree, prefix: string): void => {
    for (const [k, v] of Object.entries(map)) {
      if (prefix === '' && pluginSections.includes(k)) continue;
      const path = prefix === '' ? k : `${prefix}.${k}`;
      const entry = ENTRIES.get(path);
      if (entry) {
        const warn = v !== null && v !== undefined && entry.quiet !== undefined && !entry.quiet(v);
        out.push({ path, value: v, status: entry.group.status, note: entry.group.note, warn });
      } else if (SECTIONS.has(path)) {
        // a null section means "defaults", as in RESTHeart
        if (isMap(v)) walk(v, path);
      } else {
        out.push({ path, value: v, status: 'unknown', note: '', warn: true });
      }
    }
  };
  walk(tree, '');
  return out;
}

function show(path: string, v: unknown): string {
  if (isSecretName(path)) return '********';
  if (isMap(v)) return '{…}';
  const s = JSON.stringify(maskSecrets(v)) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}…` : s;
}

/** One line per key that docrest will not honour as written (cli prints them, --strict-config refuses them). */
export function keyWarnings(tree: ConfigTree, pluginSections: readonly string[] = []): string[] {
  return classify(tree, pluginSections).filter((f) => f.warn).map((f) => f.status === 'unknown'
    ? `unknown configuration key ${f.path} (a typo?): docrest ignores it`
    : `configuration key ${f.path} = ${show(f.path, f.value)} is not supported by docrest: ${f.note}; ignored`);
}

const LABELS: Record<Status, string> = {
  honoured: 'honoured',
  differently: 'honoured differently',
  unsupported: 'not supported',
  docrest: "docrest's own",
};

function label(f: Pick<KeyFinding, 'status' | 'note' | 'warn'>): string {
  if (f.status === 'unknown') return 'UNKNOWN KEY (a typo?): ignored';
  const text = f.note === '' ? LABELS[f.status] : `${LABELS[f.status]}: ${f.note}`;
  return f.warn ? `${text} -- THIS VALUE IS IGNORED` : text;
}

/** `-c`: the (already masked) configuration as YAML with each key's classification beside it. */
export function renderAnnotated(tree: ConfigTree): string {
  const byPath = new Map(classify(tree).map((f) => [f.path, f]));
  const doc = new Document(tree, YAML_OPTS);
  visit(doc, {
    Pair(_, pair, ancestors) {
      const names = ancestors.filter(isPair).map((p) => String((p as Pair).key));
      const path = [...names, String(pair.key)].join('.');
      const f = byPath.get(path);
      if (!f) return undefined;
      const comment = ` ${label(f)}`;
      if (isScalar(pair.value)) pair.value.comment = comment;
      else if (isScalar(pair.key)) pair.key.comment = comment;
      // lists and plugin sections are classified as a whole
      return visit.SKIP;
    },
  });
  return doc.toString({ lineWidth: 0 });
}

/** README's key table, one row per group of the table. */
export function keyTableMarkdown(): string {
  const rows = KEY_GROUPS.map((grp) => {
    const keys = (Array.isArray(grp.keys) ? grp.keys : Object.keys(grp.keys)) as string[];
    return `| ${keys.map((k) => `\`${k}\``).join(', ')} | ${LABELS[grp.status]} | ${grp.note.replaceAll('|', '\\|')} |`;
  });
  return ['| keys | docrest | how |', '|---|---|---|', ...rows].join('\n');
}
