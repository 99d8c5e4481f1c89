// The OpenAPI 3.1 document of the live configuration, for one caller: every registered service
// (its own `openapi` description, the built-ins' ones, or an undescribed entry), and the MongoDB
// API's databases and collections the caller's ACL lets it use.
import type { Engine } from '../engine/types.ts';
import type { Service } from '../http/service-registry.ts';
import type { Settings } from '../settings.ts';
import { BUILTIN } from './builtin-services.ts';
import { readCatalog, type Permits } from './catalog.ts';
import { baseComponents, securitySchemes } from './components.ts';
import type { Method, OpenApiDocument, PathItem, ServiceOpenApi } from './description.ts';
import { StoredSchemas } from './json-schema.ts';
import { mongoPaths } from './mongo-paths.ts';

export interface DocumentContext {
  settings: Settings;
  engine: Engine;
  services: readonly Service[];
  permits: Permits;
  /** whether the caller is authenticated */
  authenticated: boolean;
  /** scheme://host[:port] the caller reached */
  baseUrl: string;
  version: string;
  /** JWT tokens and the auth cookie are on */
  jwt: boolean;
  cookieName: string;
}

const METHODS: Method[] = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];

/** A service's declared paths, keeping only the operations the caller may send. */
async function visiblePaths(s: Service, d: ServiceOpenApi, ctx: DocumentContext): Promise<Record<string, PathItem>> {
  const out: Record<string, PathItem> = {};
  for (const [path, item] of Object.entries(d.paths)) {
    const kept: PathItem = { ...item };
    for (const m of METHODS) {
      const op = item[m];
      if (!op) continue;
      const allowed = !s.secured || (s.name === 'roles' ? ctx.authenticated : await ctx.permits(m.toUpperCase(), path, undefined));
      if (allowed) kept[m] = { ...op, tags: op.tags ?? [d.tag ?? s.name] };
      else delete kept[m];
    }
    if (METHODS.some((m) => kept[m])) out[path] = kept;
  }
  return out;
}

function undescribed(s: Service): ServiceOpenApi {
  const path = s.matchPolicy === 'PREFIX' && s.uri !== '/' ? `${s.uri}/{path}` : s.uri;
  return {
    paths: {
      [path]: {
        summary: `service ${s.name}`,
        description: `The service ${s.name} (${s.matchPolicy} ${s.uri}) does not describe its operations (Service.openapi).`,
        ...(path === s.uri ? {} : { parameters: [{ name: 'path', in: 'path', required: true, description: 'the rest of the path', schema: { type: 'string' } }] }),
      },
    },
  };
}

export async function buildDocument(ctx: DocumentContext): Promise<OpenApiDocument> {
  const schemes = securitySchemes(ctx.jwt, ctx.cookieName);
  const doc: OpenApiDocument = {
    openapi: '3.1.0',
    info: {
      title: 'docrest',
      version: ctx.version,
      description: 'RESTHeart-compatible REST API. This document lists what the caller may use: the databases and collections that exist and its ACL allows, and the services of this server.',
    },
    servers: [{ url: ctx.baseUrl }],
    security: [...Object.keys(schemes).map((k) => ({ [k]: [] })), {}],
    tags: [],
    paths: {},
    components: baseComponents(ctx.settings, schemes),
  };
  const tags = new Set<string>();
  for (const s of ctx.services) {
    if (s.name === 'mongo') continue;
    const d = s.openapi ?? BUILTIN[s.name]?.(s.uri) ?? undescribed(s);
    const described = s.openapi !== undefined || BUILTIN[s.name] !== undefined;
    const paths = described ? await visiblePaths(s, d, ctx) : !s.secured || (await ctx.permits('GET', s.uri, undefined)) ? d.paths : {};
    for (const [path, item] of Object.entries(paths)) {
      doc.paths[path] ??= item;
      for (const m of METHODS) for (const t of item[m]?.tags ?? []) tags.add(t);
    }
    if (Object.keys(paths).length) for (const [name, schema] of Object.entries(d.schemas ?? {})) doc.components.schemas[name] ??= schema;
  }
  const catalog = await readCatalog(ctx.settings, ctx.engine, ctx.permits);
  const mongo = await mongoPaths(catalog, doc.components.schemas, new StoredSchemas(ctx.engine, doc.components.schemas));
  for (const [path, item] of Object.entries(mongo.paths)) doc.paths[path] ??= item;
  for (const t of mongo.tags) tags.add(t);
  doc.tags = [...tags].map((name) => ({ name }));
  return doc;
}
