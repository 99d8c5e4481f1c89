// docrest.admin-ui (README, Admin UI): whether the admin UI is served and where, and what the UI
// needs to know about the configuration to find the users and ACL collections.
import { ConfigError, getBool, getMap, getString, section, type Config, type ConfigTree } from '../config/load.ts';

export interface AdminUiSettings {
  enabled: boolean;
  /** where the UI is served (a PREFIX service): `/_admin` by default */
  uri: string;
  /** mongoRealmAuthenticator's collection; null when that realm is off (users then live in the configuration) */
  users: { db: string; coll: string } | null;
  /** mongoAclAuthorizer's collection; null when it is off */
  acl: { db: string; coll: string } | null;
}

export function adminUiFrom(cfg: Config): AdminUiSettings {
  const own = getMap(section(cfg, 'docrest'), 'admin-ui', {} as ConfigTree);
  const uri = getString(own, 'uri', '/_admin');
  if (!uri.startsWith('/') || uri === '/' || uri.endsWith('/')) {
    throw new ConfigError(`docrest.admin-ui.uri must start with / and not end with / (got ${JSON.stringify(uri)})`);
  }
  const realm = section(cfg, 'mongoRealmAuthenticator');
  const acl = section(cfg, 'mongoAclAuthorizer');
  return {
    enabled: getBool(own, 'enabled', true),
    uri,
    users: getBool(realm, 'enabled', true) ? { db: getString(realm, 'users-db', 'restheart'), coll: getString(realm, 'users-collection', 'users') } : null,
    acl: getBool(acl, 'enabled', true) ? { db: getString(acl, 'acl-db', 'restheart'), coll: getString(acl, 'acl-collection', 'acl') } : null,
  };
}
