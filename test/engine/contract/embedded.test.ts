// The engine contract on the embedded engine, in a fresh data directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedEngine } from '../../../src/engine/embedded/engine.ts';
import { engineContract } from './contract.ts';
import { aggregationContract } from './aggregation.ts';
import { transactionsContract } from './transactions.ts';
import { changeStreamsContract } from './change-streams.ts';
import { regexSearchContract } from './regex-search.ts';
import { storedDocumentsContract } from './stored-documents.ts';

async function fresh() {
  const dir = mkdtempSync(join(tmpdir(), 'docrest-contract-'));
  const engine = new EmbeddedEngine(dir, { exclusive: true });
  return {
    engine,
    cleanup: async () => {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
    lifetime: async (ms: number) => {
      const was = engine.transactions.lifetimeMs;
      engine.transactions.lifetimeMs = ms;
      return async () => {
        engine.transactions.lifetimeMs = was;
      };
    },
  };
}

engineContract('embedded', fresh);
aggregationContract('embedded', fresh);
transactionsContract('embedded', fresh);
changeStreamsContract('embedded', fresh);
regexSearchContract('embedded', fresh);
storedDocumentsContract('embedded', fresh);
