// The security stage: authenticate, then authorize. Until the security issue lands both allow
// every request anonymously; the pipeline (http/pipeline.ts) already calls them in RESTHeart's
// order, before any recorded request error is reported (API.md §2).
import type { IncomingHttpHeaders } from 'node:http';
import type { Document } from '../engine/values.ts';

export interface Account {
  name: string;
  roles: string[];
  properties: Document;
}

export interface SecurityRequest {
  method: string;
  path: string;
  query: string;
  headers: IncomingHttpHeaders;
}

export class Security {
  async authenticate(_req: SecurityRequest): Promise<Account | undefined> {
    return undefined;
  }

  async authorize(_req: SecurityRequest, _account: Account | undefined): Promise<void> {}
}
