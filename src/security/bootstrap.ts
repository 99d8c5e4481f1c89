// Start-up work of the security plugins that RESTHeart does at boot: mongoRealmAuthenticator
// creates its users collection and mongoAclAuthorizer its acl collection when missing. With the
// default configuration this is what makes database `restheart` (mounted at `/`) exist.
import { PROPS_COLL, collPropsId, dbPropsId } from '../api/meta.ts';
import { getBool, getString, section, type Config } from '../config/load.ts';
import type { Engine } from '../engine/types.ts';
import { ObjectId } from '../engine/values.ts';

/**
 * Metadata (an `_etag`) for the database or a collection, as if created by PUT: the ETag policy
 * then applies, so `DELETE /` or `DELETE /users` cannot drop users and permissions without
 * If-Match. An upsert, so that instances starting together on one MongoDB agree, and existing
 * metadata is kept.
 */
async function ensureMetadata(engine: Engine, db: string, id: string): Promise<void> {
  await engine.db(db).collection(PROPS_COLL).updateOne({ _id: id }, { $setOnInsert: { _etag: new ObjectId() } }, { upsert: true });
}

async function ensureCollection(engine: Engine, db: string, coll: string): Promise<void> {
  const database = engine.db(db);
  if (!(await database.listCollections()).includes(coll)) await database.createCollection(coll);
  await ensureMetadata(engine, db, collPropsId(coll));
}

export async function bootstrapSecurity(cfg: Config, engine: Engine): Promise<void> {
  const dbs = new Set<string>();
  const realm = section(cfg, 'mongoRealmAuthenticator');
  if (getBool(realm, 'enabled', true)) {
    const db = getString(realm, 'users-db', 'restheart');
    await ensureCollection(engine, db, getString(realm, 'users-collection', 'users'));
    dbs.add(db);
  }
  const acl = section(cfg, 'mongoAclAuthorizer');
  if (getBool(acl, 'enabled', true)) {
    const db = getString(acl, 'acl-db', 'restheart');
    await ensureCollection(engine, db, getString(acl, 'acl-collection', 'acl'));
    dbs.add(db);
  }
  for (const db of dbs) await ensureMetadata(engine, db, dbPropsId);
}
