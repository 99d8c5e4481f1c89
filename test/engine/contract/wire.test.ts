// The engine contract on the MongoDB engine, through the official driver, against the wire shim
// (../wire/shim.ts: MongoDB's wire protocol over the embedded engine). What this proves is the
// MongoDB engine's plumbing — the commands the driver builds from the engine's options, raw
// documents decoded in the exact model, write results, write errors and error codes — not
// MongoDB's semantics, which are the embedded engine's here (mongodb.test.ts runs a real MongoDB).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoEngine } from '../../../src/engine/mongodb/engine.ts';
import { WireShim } from '../wire/shim.ts';
import { engineContract } from './contract.ts';
import { aggregationContract } from './aggregation.ts';
import { transactionsContract } from './transactions.ts';
import { changeStreamsContract } from './change-streams.ts';
import { regexSearchContract } from './regex-search.ts';
import { storedDocumentsContract } from './stored-documents.ts';

async function fresh() {
  const dir = mkdtempSync(join(tmpdir(), 'docrest-wire-'));
  const shim = new WireShim(dir, { replicaSet: 'rs0' });
  const port = await shim.listen();
  const engine = await MongoEngine.connect(`mongodb://127.0.0.1:${port}/?replicaSet=rs0`);
  return {
    engine,
    cleanup: async () => {
      await engine.close();
      await shim.close();
      rmSync(dir, { recursive: true, force: true });
    },
    // the server's transaction lifetime limit: the embedded engine's under the shim
    lifetime: async (ms: number) => {
      const was = shim.engine.transactions.lifetimeMs;
      shim.engine.transactions.lifetimeMs = ms;
      return async () => {
        shim.engine.transactions.lifetimeMs = was;
      };
    },
  };
}

engineContract('mongodb engine over the wire shim', fresh);
aggregationContract('mongodb engine over the wire shim', fresh);
// the shim is a one-member replica set: sessions, transactions and change streams run through the driver
transactionsContract('mongodb engine over the wire shim', fresh);
changeStreamsContract('mongodb engine over the wire shim', fresh);
regexSearchContract('mongodb engine over the wire shim', fresh);
storedDocumentsContract('mongodb engine over the wire shim', fresh);
