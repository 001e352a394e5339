// Master-secret rotation: re-wraps every database's data key under the current DATA_KEY_SECRET
// (unwrapping with DATA_KEY_SECRET_PREVIOUS where needed). Segments and backups are not touched:
// the data keys themselves do not change, only their wrapping in each catalog.

import { catalogOf, directoryOf } from "../../durable-objects/stubs";
import { DataKeyError, rewrapDataKey, secretId, type MasterSecrets } from "../../durable-objects/shard/data-key";
import { ROTATION_CATALOG_CALLS_IN_FLIGHT } from "../../contract/limits";

export interface RotationReport {
  secret: string; // fingerprint of the secret every key is now wrapped by
  databases: number;
  rewrapped: number;
  alreadyCurrent: number;
  withoutKey: number; // created before encryption and not used since: get a key under the current secret on first use
  failed: Array<{ database: string; error: string }>;
}

export async function rotateDataKeys(env: Env, secrets: MasterSecrets): Promise<RotationReport> {
  if (secrets.current === null) throw new DataKeyError("DATA_KEY_SECRET is not set: there is no secret to rotate to");
  const dbs = await directoryOf(env).list();
  const report: RotationReport = { secret: await secretId(secrets.current), databases: dbs.length, rewrapped: 0, alreadyCurrent: 0, withoutKey: 0, failed: [] };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < dbs.length) {
      const db = dbs[next++]!.id;
      try {
        const catalog = catalogOf(env, db);
        // A concurrent rotation may replace the key between read and write: read again and retry once.
        for (let attempt = 0; ; attempt++) {
          const wrapped = await catalog.dataKey();
          if (wrapped === null) {
            report.withoutKey++;
            break;
          }
          const rewrapped = await rewrapDataKey(secrets, db, wrapped);
          if (rewrapped === null) {
            report.alreadyCurrent++;
            break;
          }
          if (await catalog.replaceDataKey(wrapped, rewrapped)) {
            report.rewrapped++;
            break;
          }
          if (attempt > 0) throw new DataKeyError("the wrapped key kept changing during rotation; run the rotation again");
        }
      } catch (e) {
        // DataKeyError messages name databases and fingerprints only; anything else is summarised.
        report.failed.push({ database: db, error: e instanceof DataKeyError ? e.message : "internal error while re-wrapping" });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(ROTATION_CATALOG_CALLS_IN_FLIGHT, dbs.length) }, worker));
  return report;
}
