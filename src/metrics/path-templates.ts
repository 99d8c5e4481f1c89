// Undertow path templates as requestsMetricsCollector's include/exclude use them: literal segments,
// `{name}` segments that capture one segment, and a trailing `*` (or `{*}`) that takes the rest of
// the path. `/*` takes every path; `/metrics/*` takes `/metrics/x` but not `/metrics` (RESTHeart's
// default excludes both). A trailing slash on the path is ignored.

export interface TemplateMatch {
  /** the template as configured: the name of its metrics registry */
  template: string;
  /** `{name}` captures in template order (the wildcard's is not one) */
  params: string[];
}

export interface PathTemplate {
  readonly template: string;
  readonly paramNames: readonly string[];
  /** `/*`: every path, no need to split it */
  readonly matchesAll: boolean;
  /** false when the path cannot match (a cheap test on the raw path before it is split) */
  mayMatch(path: string): boolean;
  match(segments: readonly string[]): TemplateMatch | null;
}

/** The path's segments, decoded; `/a/b/` → [a, b]. */
export function segmentsOf(path: string): string[] {
  const segs = path.split('/').filter((s) => s !== '');
  if (!path.includes('%')) return segs;
  return segs.map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
}

/** Throws on a template that does not start with `/`. */
export function compileTemplate(template: string): PathTemplate {
  if (!template.startsWith('/')) throw new Error(`path template ${JSON.stringify(template)} must start with /`);
  const parts = template.split('/').filter((s) => s !== '');
  const wildcard = parts.at(-1) === '*' || parts.at(-1) === '{*}';
  if (wildcard) parts.pop();
  const names: string[] = [];
  const fixed = parts.map((p) => {
    if (p.length > 2 && p.startsWith('{') && p.endsWith('}')) {
      names.push(p.slice(1, -1));
      return null;
    }
    return p;
  });
  const n = fixed.length;
  const literal = fixed.indexOf(null) < 0 ? fixed : fixed.slice(0, fixed.indexOf(null));
  const prefix = literal.length === 0 ? '' : `/${literal.join('/')}`;
  // `/*` takes the root path too: it stands for every request
  const minRest = wildcard && n > 0 ? 1 : 0;
  return {
    template,
    paramNames: names,
    matchesAll: wildcard && n === 0,
    // a percent-encoded path is decoded before it is judged
    mayMatch: (path) => path.startsWith(prefix) || path.includes('%'),
    match(segments) {
      if (wildcard ? segments.length < n + minRest : segments.length !== n) return null;
      const params: string[] = [];
      for (let i = 0; i < n; i++) {
        const f = fixed[i];
        if (f === null) params.push(segments[i]!);
        else if (f !== segments[i]) return null;
      }
      return { template, params };
    },
  };
}
