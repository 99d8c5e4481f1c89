// The parts of an OpenAPI 3.1 document docrest writes, and the hook through which a service (a
// plugin, a built-in) describes itself: a service in the registry may carry `openapi`, the path
// items it serves (keyed by path, relative to nothing: `/my-plugin/hello`) and the component
// schemas they reference. A service without one is still listed, by its uri, as "undescribed".

/** A JSON Schema 2020-12 object (OpenAPI 3.1's Schema Object). */
export type Schema = Record<string, unknown>;

export interface Parameter {
  name?: string;
  in?: 'query' | 'header' | 'path' | 'cookie';
  description?: string;
  required?: boolean;
  schema?: Schema;
  $ref?: string;
  [extension: `x-${string}`]: unknown;
}

export interface MediaType {
  schema?: Schema;
  example?: unknown;
}

export interface Response {
  description?: string;
  headers?: Record<string, { description?: string; schema?: Schema; $ref?: string }>;
  content?: Record<string, MediaType>;
  $ref?: string;
}

export interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { description?: string; required?: boolean; content: Record<string, MediaType> };
  responses: Record<string, Response>;
  security?: Array<Record<string, string[]>>;
}

export type Method = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch';

export type PathItem = Partial<Record<Method, Operation>> & {
  summary?: string;
  description?: string;
  parameters?: Parameter[];
};

/** What a service declares about itself (Service.openapi). */
export interface ServiceOpenApi {
  paths: Record<string, PathItem>;
  /** component schemas its paths reference as `#/components/schemas/<name>` */
  schemas?: Record<string, Schema>;
  /** tag of its operations; the service's name when absent */
  tag?: string;
}

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description?: string };
  servers: Array<{ url: string }>;
  security: Array<Record<string, string[]>>;
  tags: Array<{ name: string; description?: string }>;
  paths: Record<string, PathItem>;
  components: {
    schemas: Record<string, Schema>;
    parameters: Record<string, Parameter>;
    responses: Record<string, Response>;
    securitySchemes: Record<string, Record<string, unknown>>;
  };
}

export const ref = (kind: 'schemas' | 'parameters' | 'responses', name: string) => ({ $ref: `#/components/${kind}/${name}` });

/** A component name OpenAPI accepts (`^[a-zA-Z0-9._-]+$`). */
export function componentName(...parts: string[]): string {
  return parts.map((p) => p.replace(/[^a-zA-Z0-9._-]/g, '_')).join('.');
}

/** An operationId: letters, digits and `_` only, so that code generators can use it as a name. */
export function operationId(...parts: string[]): string {
  return parts.map((p) => p.replace(/[^a-zA-Z0-9]+/g, '_').replace(/^_|_$/g, '')).filter(Boolean).join('_');
}
