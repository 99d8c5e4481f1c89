// CORS headers exactly as CORS.md §3 (seed lists + origin echo), configurable under `cors`.
// The response group goes on every response; the preflight group only on OPTIONS.
import type { CorsSettings } from '../settings.ts';

export type PreflightKind = 'default' | 'document';

const NONE: Readonly<Record<string, string>> = Object.freeze({});

export class Cors {
  private readonly s: CorsSettings;
  private readonly documentAllowHeaders: string;

  constructor(s: CorsSettings) {
    this.s = s;
    // documents, files and schemas also accept If-None-Match, right after If-Match (CORS.md §2.2)
    const list = s.allowHeaders.split(',').map((h) => h.trim());
    const i = list.findIndex((h) => h.toLowerCase() === 'if-match');
    if (i >= 0 && !list.some((h) => h.toLowerCase() === 'if-none-match')) list.splice(i + 1, 0, 'If-None-Match');
    this.documentAllowHeaders = list.join(', ');
  }

  get enabled(): boolean {
    return this.s.enabled;
  }

  /** Headers for every response, by lower-case name; shared, never to be mutated. */
  response(origin: string | undefined): Readonly<Record<string, string>> {
    if (!this.s.enabled) return NONE;
    const echo = this.s.allowOrigin === 'echo';
    if (!echo || origin === undefined) return (this.fixed ??= this.build(echo ? '*' : this.s.allowOrigin, false));
    return this.build(origin, this.s.varyOrigin);
  }

  private fixed: Record<string, string> | undefined;

  private build(allowOrigin: string, vary: boolean): Record<string, string> {
    const h: Record<string, string> = { 'access-control-allow-origin': allowOrigin };
    if (this.s.allowCredentials) h['access-control-allow-credentials'] = 'true';
    h['access-control-expose-headers'] = this.s.exposeHeaders;
    if (vary) h.vary = 'Origin';
    return h;
  }

  /** Extra headers for the answer to an OPTIONS request, by lower-case name. */
  preflight(kind: PreflightKind): Record<string, string> {
    if (!this.s.enabled) return NONE;
    const h: Record<string, string> = {
      'access-control-allow-methods': this.s.allowMethods,
      'access-control-allow-headers': kind === 'document' ? this.documentAllowHeaders : this.s.allowHeaders,
    };
    if (this.s.maxAge !== null) h['access-control-max-age'] = String(this.s.maxAge);
    return h;
  }
}
