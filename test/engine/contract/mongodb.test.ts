// The engine contract on a real MongoDB: set DOCREST_TEST_MONGODB_URI (e.g. mongodb://127.0.0.1:27017)
// to run it. Every database it creates starts with CONTRACT_DB_PREFIX and a per-run id, and is
// dropped afterwards.
import { test } from 'node:test';
import { MongoEngine } from '../../../src/engine/mongodb/engine.ts';
import { engineContract } from './contract.ts';
import { aggregationContract } from './aggregation.ts';
import { transactionsContract } from './transactions.ts';
import { changeStreamsContract } from './change-streams.ts';
import { regexSearchContract } from './regex-search.ts';
import { storedDocumentsContract } from './stored-documents.ts';

const uri = process.env.DOCREST_TEST_MONGODB_URI;

if (!uri) {
  test('engine contract: mongodb', { skip: 'set DOCREST_TEST_MONGODB_URI=mongodb://host:port to run the engine contract against a real MongoDB' }, () => {});
} else {
  const name = `mongodb (${uri.replace(/\/\/[^@/]*@/, '//***@')})`;
  const fresh = async () => {
    const engine = await MongoEngine.connect(uri);
    return { engine, cleanup: () => engine.close() };
  };
  engineContract(name, fresh);
  aggregationContract(name, fresh);
  // a replica set runs it; a standalone server skips it
  transactionsContract(name, fresh);
  // a replica set runs it; a standalone server skips it
  changeStreamsContract(name, fresh);
  regexSearchContract(name, fresh);
  storedDocumentsContract(name, fresh);
}
