// What docrest's own services declare (by their RESTHeart plugin names), in the form any service
// declares itself through `Service.openapi` (description.ts). The mongo service is described from
// the catalog instead (mongo-paths.ts).
import { errors, json } from './components.ts';
import { ref, type ServiceOpenApi } from './description.ts';

const NONE: Array<Record<string, string[]>> = [];
const ERROR = { default: ref('responses', 'Error') };

function ping(uri: string): ServiceOpenApi {
  return {
    tag: 'server',
    paths: {
      [uri]: {
        get: {
          operationId: 'ping', summary: 'is the server up', security: NONE,
          responses: {
            200: {
              description: 'greetings (client_ip, host, version, build_time with ping.enable-extended-response)',
              content: json({ type: 'object', required: ['message'], properties: { message: { type: 'string' }, client_ip: { type: 'string' }, host: { type: 'string' }, version: { type: 'string' }, build_time: { type: 'string' } } }),
            },
          },
        },
      },
    },
  };
}

function health(uri: string): ServiceOpenApi {
  const body = json({ type: 'object', properties: { status: { enum: ['ok', 'error'] }, description: { type: 'string' }, latencyMs: { type: 'integer' } } });
  return {
    tag: 'server',
    paths: { [uri]: { get: { operationId: 'healthDb', summary: 'can the database be reached', security: NONE, responses: { 200: { description: 'reachable', content: body }, 503: { description: 'not reachable', content: body } } } } },
  };
}

function tokens(uri: string): ServiceOpenApi {
  const token = json(ref('schemas', 'TokenResponse'));
  const renew = { name: 'renew', in: 'query' as const, description: 'present: a new token even if the current one is valid', schema: { type: 'string' } };
  const form = {
    'application/x-www-form-urlencoded': {
      schema: { type: 'object', required: ['grant_type'], properties: { grant_type: { enum: ['password', 'client_credentials'] }, username: { type: 'string' }, password: { type: 'string' }, client_id: { type: 'string' }, client_secret: { type: 'string' } } },
    },
  };
  const issued = { 200: { description: 'a JWT (also in the Auth-Token header)', content: token }, 401: ref('responses', 'Unauthorized'), ...ERROR };
  return {
    tag: 'authentication',
    schemas: {
      TokenResponse: {
        type: 'object', required: ['access_token', 'token_type', 'expires_in'],
        properties: { access_token: { type: 'string' }, token_type: { const: 'Bearer' }, expires_in: { type: 'integer' }, username: { type: 'string' }, roles: { type: 'array', items: { type: 'string' } } },
      },
    },
    paths: {
      [uri]: {
        get: { operationId: 'getToken', summary: "the caller's token", parameters: [renew], responses: issued },
        post: { operationId: 'login', summary: 'a token for credentials (Authorization header, or an OAuth-style form)', parameters: [renew], requestBody: { required: false, content: form }, responses: issued },
        delete: { operationId: 'invalidateToken', summary: "invalidate the caller's tokens", responses: { 204: { description: 'invalidated' }, 401: ref('responses', 'Unauthorized'), ...ERROR } },
      },
      [`${uri}/cookie`]: {
        post: { operationId: 'loginCookie', summary: 'set the auth cookie', parameters: [renew], requestBody: { required: false, content: form }, responses: { 200: { description: 'the cookie is set (Set-Cookie)', content: token }, 401: ref('responses', 'Unauthorized'), ...ERROR } },
      },
    },
  };
}

function logout(uri: string): ServiceOpenApi {
  return { tag: 'authentication', paths: { [uri]: { post: { operationId: 'logout', summary: 'clear the auth cookie', security: NONE, responses: { 200: { description: 'cleared (Set-Cookie)' }, ...ERROR } } } } };
}

function roles(uri: string): ServiceOpenApi {
  return {
    tag: 'authentication',
    paths: {
      [`${uri}/{user}`]: {
        get: {
          operationId: 'roles', summary: "the caller's own roles",
          parameters: [{ name: 'user', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 200: { description: 'roles', content: json({ type: 'object', properties: { authenticated: { type: 'boolean' }, roles: { type: 'array', items: { type: 'string' } } } }) }, ...errors('NotFound') },
        },
      },
    },
  };
}

function metrics(uri: string): ServiceOpenApi {
  const text = { 'text/plain': { schema: { type: 'string' } } };
  return {
    tag: 'metrics',
    paths: {
      [uri]: { get: { operationId: 'metricsRegistries', summary: 'the metrics registries', responses: { 200: { description: 'registry names', content: json({ type: 'array', items: { type: 'string' } }) }, ...errors() } } },
      [`${uri}/{registry}`]: {
        get: {
          operationId: 'metrics', summary: "a registry's metrics, in Prometheus text format",
          parameters: [{ name: 'registry', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 200: { description: 'the metrics', content: text }, ...errors('NotFound') },
        },
      },
    },
  };
}

function openapi(uri: string): ServiceOpenApi {
  return {
    tag: 'server',
    paths: { [uri]: { get: { operationId: 'openapi', summary: 'this document, for the caller (what its ACL allows)', responses: { 200: { description: 'OpenAPI 3.1', content: json({ type: 'object' }) }, ...ERROR } } } },
  };
}

/** The built-in services' descriptions, by service name. */
export const BUILTIN: Record<string, (uri: string) => ServiceOpenApi> = {
  ping, 'database-probe': health, authTokenService: tokens, authCookieRemover: logout, roles, metrics, openapi,
};
