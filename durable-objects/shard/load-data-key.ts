// How a shard obtains its database's data key: the wrapped key from the catalog (created there on
// first use for databases older than encryption at rest), unwrapped here and kept in memory only.

import { catalogOf } from "../stubs";
import { DataKeyError, newDataKey, unwrapDataKey, wrapDataKey, type MasterSecrets } from "./data-key";

/**
 * The raw data key, or null when encryption is off: no DATA_KEY_SECRET and no key stored yet, or a
 * database without a catalog (deleted, or a bare shard in tests). Throws DataKeyError when the data
 * is encrypted but the secret that wrapped its key is not configured.
 */
export async function loadDataKey(env: Env, db: string, secrets: MasterSecrets): Promise<Uint8Array | null> {
  const catalog = catalogOf(env, db);
  let wrapped = await catalog.dataKey();
  if (wrapped === null) {
    if (secrets.current === null) return null;
    wrapped = await catalog.ensureDataKey(await wrapDataKey(secrets.current, db, newDataKey()));
    if (wrapped === null) return null;
  }
  if (secrets.current === null && secrets.previous === null) {
    throw new DataKeyError(`database ${db} is encrypted at rest but DATA_KEY_SECRET is not set`);
  }
  return unwrapDataKey(secrets, db, wrapped);
}
