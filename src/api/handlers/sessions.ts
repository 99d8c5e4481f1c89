// SESSIONS, SESSION, TRANSACTIONS and TRANSACTION (API.md §11): sessions are UUIDs, any of which
// names a session (as in RESTHeart, whose sessions are the driver's server sessions); transaction
// numbers count from 1 per session. The engine keeps the state (engine/types.ts Session).
import { HttpError } from '../../errors.ts';
import { Int32 } from '../../engine/values.ts';
import { ok, type ApiResponse, type MongoRequest } from '../context.ts';
import { sessionId } from '../session-engine.ts';

// what MongoDB answers a transaction on a standalone server
const STANDALONE = 'Transaction numbers are only allowed on a replica set member or mongos';

async function requireTransactions(req: MongoRequest): Promise<void> {
  if (!(await req.engine.supportsTransactions())) throw new HttpError(502, STANDALONE);
}

function session(req: MongoRequest) {
  return req.engine.session(sessionId(req.resource.name));
}

export async function postSession(req: MongoRequest): Promise<ApiResponse> {
  await requireTransactions(req);
  const id = req.engine.startSession().id;
  return { status: 201, headers: { Location: `${req.baseUrl}/_sessions/${id}` } };
}

export async function deleteSession(req: MongoRequest): Promise<ApiResponse> {
  await session(req).endSession();
  return ok();
}

export async function postTxn(req: MongoRequest): Promise<ApiResponse> {
  const s = session(req);
  await requireTransactions(req);
  const n = await s.startTransaction();
  if (n === null) return { status: 304 };
  return { status: 201, headers: { Location: `/_sessions/${s.id}/_txns/${n}` } };
}

export async function getTxns(req: MongoRequest): Promise<ApiResponse> {
  const current = await session(req).currentTransaction();
  return ok({ currentTxn: current && current.status !== 'NONE' ? { id: new Int32(current.txnNumber), status: current.status } : null });
}

export async function patchTxn(req: MongoRequest): Promise<ApiResponse> {
  await session(req).commitTransaction(Number(req.resource.txn));
  return ok();
}

export async function deleteTxn(req: MongoRequest): Promise<ApiResponse> {
  await session(req).abortTransaction(Number(req.resource.txn));
  return { status: 204 };
}
