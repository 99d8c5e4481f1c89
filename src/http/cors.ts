// CORS headers exactly as CORS.md §3 (seed lists + origin echo), configurable under `cors`.
// The response group goes on every response; the preflight group only on OPTIONS.
import type { CorsSettings } from '../settings.ts';

export type PreflightKind = 'default' | 'document';

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

  /** Headers for every response. */
  response(origin: string | undefined): Record<string, string> {
    if (!this.s.enabled) return {};
    const echo = this.s.allowOrigin === 'echo';
    const h: Record<string, string> = {
      'Access-Control-Allow-Origin': echo ? origin ?? '*' : this.s.allowOrigin,
    };
    if (this.s.allowCredentials) h['Access-Control-Allow-Credentials'] = 'true';
    h['Access-Control-Expose-Headers'] = this.s.exposeHeaders;
    if (echo && origin !== undefined && this.s.varyOrigin) h.Vary = 'Origin';
    return h;
  }

  /** Extra headers for the answer to an OPTIONS request. */
  preflight(kind: PreflightKind): Record<string, string> {
    if (!this.s.enabled) return {};
    const h: Record<string, string> = {
      'Access-Control-Allow-Methods': this.s.allowMethods,
      'Access-Control-Allow-Headers': kind === 'document' ? this.documentAllowHeaders : this.s.allowHeaders,
    };
    if (this.s.maxAge !== null) h['Access-Control-Max-Age'] = String(this.s.maxAge);
    return h;
  }
}
