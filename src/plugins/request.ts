// The request object plugins get: RESTHeart's JS request API (StringRequest for plugin services,
// MongoRequest for the MongoDB API) over docrest's Exchange, plus typed accessors. For the MongoDB
// API the content is the parsed body the service will write, in the exact model.
import type { Exchange } from '../http/exchange.ts';
import { idFromUrl } from '../api/ids.ts';
import { HttpError } from '../errors.ts';
import { isPlainObject, type Document } from '../engine/values.ts';
import { JsonSyntaxError, parseJson } from '../json/parse.ts';
import { mergeRequestInto } from '../security/mongo-permissions.ts';
import type { Account } from '../security/security.ts';
import type { PluginAccount, PluginRequest, ResourceType } from './api.ts';
import { promote, toExact } from './data-client.ts';
import { Headers } from './headers.ts';

/** Parses relaxed JSON (ObjectId, ISODate, …) in the exact model; 400 when malformed. */
export function parseContent(text: string): unknown {
  try {
    return parseJson(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw new HttpError(400, `Invalid JSON. ${e.message}`);
    throw e;
  }
}

function accountOf(a: Account | undefined): PluginAccount | undefined {
  if (!a) return undefined;
  return {
    name: a.name,
    roles: [...a.roles],
    properties: a.properties,
    getPrincipal: () => ({ getName: () => a.name }),
    getRoles: () => [...a.roles],
  };
}

/** A body a plugin sets on a MongoDB API request: a document, documents, or relaxed JSON text. */
function mongoBody(content: unknown): Document | Document[] | undefined {
  const v = typeof content === 'string' ? parseContent(content) : toExact(content);
  if (v === undefined || v === null) return undefined;
  if (isPlainObject(v) || (Array.isArray(v) && v.every(isPlainObject))) return v as Document | Document[];
  throw new TypeError('setContent of a MongoDB API request takes a document or an array of documents');
}

export class Request implements PluginRequest {
  /** a plugin service's request body as replaced by an interceptor */
  private text_: string | null | undefined;

  private readonly ex: Exchange;
  constructor(ex: Exchange) {
    this.ex = ex;
  }

  get method() { return this.ex.method; }
  get path() { return this.ex.path; }
  get query() { return new URLSearchParams(this.ex.query); }
  get serviceName() { return this.ex.service.name; }
  get account() { return accountOf(this.ex.account); }
  get mongo() {
    const m = this.ex.mongo;
    return m && { type: m.resource.type, db: m.resource.db, collection: m.resource.coll, documentId: m.resource.docId };
  }

  text(): string | null {
    if (this.text_ !== undefined) return this.text_;
    return this.ex.rawBody === undefined ? null : this.ex.rawBody.toString('utf8');
  }
  json(): unknown {
    if (this.ex.mongo) return this.ex.mongo.body().value;
    const t = this.text();
    // plain JS values, as the data client returns them
    return t === null || t.trim() === '' ? undefined : promote(parseContent(t));
  }

  getContent(): unknown {
    return this.ex.mongo ? this.ex.mongo.body().value : this.text();
  }
  setContent(content: unknown): void {
    const m = this.ex.mongo;
    if (!m) {
      this.text_ = content === null || content === undefined ? null : typeof content === 'string' ? content : JSON.stringify(content);
      return;
    }
    let value = mongoBody(content);
    // after security: the permission's mergeRequest still has the last word
    const extra = m.caller?.permissions.mergeRequest;
    if (extra && m.method !== 'GET' && m.method !== 'DELETE') value = mergeRequestInto(value, m.method, extra);
    m.body = () => ({ value });
  }

  getPath() { return this.ex.path; }
  getURL() { return `${this.ex.baseUrl}${this.ex.path}`; }
  getQueryString() { return this.ex.query; }
  getMethod() { return this.ex.method; }
  getQueryParameters(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [k, v] of this.query) (out[k] ??= []).push(v);
    return out;
  }
  getQueryParameterOrDefault(name: string, dflt: string): string {
    return this.query.get(name) ?? dflt;
  }
  getQueryParameterOfDefault(name: string, dflt: string): string {
    return this.getQueryParameterOrDefault(name, dflt);
  }
  getHeaders(): Headers {
    const h = this.ex.headers as Record<string, string | string[] | undefined>;
    return new Headers({ read: () => h, write: (k, v) => { if (v === undefined) delete h[k]; else h[k] = v; } });
  }
  getHeader(name: string) { return this.getHeaders().get(name); }
  setHeader(name: string, value: string) { this.getHeaders().put(name, value); }
  getContentType() { return this.getHeaders().get('content-type'); }
  isContentTypeJson() { return /^application\/(hal\+)?json/i.test(this.getContentType() ?? ''); }

  isGet() { return this.ex.method === 'GET'; }
  isPost() { return this.ex.method === 'POST'; }
  isPut() { return this.ex.method === 'PUT'; }
  isPatch() { return this.ex.method === 'PATCH'; }
  isDelete() { return this.ex.method === 'DELETE'; }
  isOptions() { return this.ex.method === 'OPTIONS'; }
  isHead() { return this.ex.method === 'HEAD'; }
  isHandledBy(serviceName: string) { return this.ex.service.name === serviceName; }
  isAuthenticated() { return this.ex.account !== undefined; }
  isAccountInRole(role: string) { return this.ex.account?.roles.includes(role) ?? false; }
  getAuthenticatedAccount() { return this.account ?? null; }

  getType(): ResourceType | null { return this.ex.mongo?.resource.type ?? null; }
  getDbName() { return this.ex.mongo?.resource.db ?? null; }
  getDBName() { return this.getDbName(); }
  getCollectionName() { return this.ex.mongo?.resource.coll ?? null; }
  getDocumentIdRaw() { return this.ex.mongo?.resource.docId ?? null; }
  getDocumentId(): unknown {
    const m = this.ex.mongo;
    return m?.resource.docId === undefined ? null : idFromUrl(m.resource.docId, m.params.idType);
  }
  private is(...types: ResourceType[]) { return types.includes(this.ex.mongo?.resource.type as ResourceType); }
  isRoot() { return this.is('ROOT'); }
  isDb() { return this.is('DB'); }
  isCollection() { return this.is('COLLECTION'); }
  isDocument() { return this.is('DOCUMENT'); }
  isBulkDocuments() { return this.is('BULK_DOCUMENTS'); }
  isAggregation() { return this.is('AGGREGATION'); }
  isCollectionIndexes() { return this.is('COLLECTION_INDEXES'); }
  isIndex() { return this.is('INDEX'); }
  isFilesBucket() { return this.is('FILES_BUCKET'); }
  isFile() { return this.is('FILE'); }
  isFileBinary() { return this.is('FILE_BINARY'); }
  isSchemaStore() { return this.is('SCHEMA_STORE'); }
  isSchema() { return this.is('SCHEMA'); }
  isSessions() { return this.is('SESSIONS'); }
  isSession() { return this.is('SESSION'); }
  isTxns() { return this.is('TRANSACTIONS'); }
  isTxn() { return this.is('TRANSACTION'); }
  isChangeStream() { return this.is('CHANGE_STREAM'); }
}
