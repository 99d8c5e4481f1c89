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

async function fresh() {
  const dir = mkdtempSync(join(tmpdir(), 'docrest-wire-'));
  const shim = new WireShim(dir);
  const port = await shim.listen();
  const engine = await MongoEngine.connect(`mongodb://127.0.0.1:${port}/`);
  return {
    engine,
    cleanup: async () => {
      await engine.close();
      await shim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

engineContract('mongodb engine over the wire shim', fresh);
aggregationContract('mongodb engine over the wire shim', fresh);
// the shim is a standalone server: the engine reports no transaction support and the section skips
transactionsContract('mongodb engine over the wire shim', fresh);
// the shim has no $changeStream (every cursor is one batch, no tailing): the section skips
changeStreamsContract('mongodb engine over the wire shim', fresh);
