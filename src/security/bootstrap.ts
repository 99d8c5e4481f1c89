// Start-up work of the security plugins that RESTHeart does at boot: mongoRealmAuthenticator
// creates its users collection and mongoAclAuthorizer its acl collection when missing. With the
// default configuration this is what makes database `restheart` (mounted at `/`) exist.
import { getBool, getString, section, type Config } from '../config/load.ts';
import type { Engine } from '../engine/types.ts';

async function ensureCollection(engine: Engine, db: string, coll: string): Promise<void> {
  const database = engine.db(db);
  if (!(await database.listCollections()).includes(coll)) await database.createCollection(coll);
}

export async function bootstrapSecurity(cfg: Config, engine: Engine): Promise<void> {
  const realm = section(cfg, 'mongoRealmAuthenticator');
  if (getBool(realm, 'enabled', true)) {
    await ensureCollection(engine, getString(realm, 'users-db', 'restheart'), getString(realm, 'users-collection', 'users'));
  }
  const acl = section(cfg, 'mongoAclAuthorizer');
  if (getBool(acl, 'enabled', true)) {
    await ensureCollection(engine, getString(acl, 'acl-db', 'restheart'), getString(acl, 'acl-collection', 'acl'));
  }
}
