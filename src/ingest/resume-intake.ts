// Once per isolate and database, in the background: ask the database's intake lanes to re-arm their
// drain if they hold messages without an alarm. After a restart of `wrangler dev` this means the
// first request that names a database also restarts any stalled drain of its acknowledged inserts,
// whatever that request is (a query, an insert, health).

import { intakeInLane } from "../../durable-objects/stubs";
import { intakeLanes } from "../../durable-objects/intake/lanes";
import { durableIntakeOn } from "./deliver";
import { errorText, log } from "../log";
import { rememberBounded } from "../schema-cache";

const resumed = new Map<string, true>(); // bounded like every isolate cache

export function resumeIntakeOnce(env: Env, db: string, waitUntil: (p: Promise<unknown>) => void): void {
  if (resumed.has(db) || !durableIntakeOn(env)) return;
  rememberBounded(resumed, db, true);
  waitUntil(
    Promise.all(intakeLanes().map((lane) => intakeInLane(env, db, lane).resume())).catch((e: unknown) => {
      resumed.delete(db); // try again with the next request
      log("warn", "ingest: could not check the intake's drain", { db, error: errorText(e) });
    }),
  );
}
