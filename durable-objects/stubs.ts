// Typed ways to reach the Durable Objects from the Worker (through bindings only).

import { shardObjectName, type ShardAddress } from "../contract/shard-rpc";
import { intakeLane, intakeObjectName } from "./intake/lanes";

export const catalogOf = (env: Env, db: string) => env.CATALOG.get(env.CATALOG.idFromName(db));

export const directoryOf = (env: Env) => env.DIRECTORY.get(env.DIRECTORY.idFromName("directory"));

export const shardStub = (env: Env, addr: Pick<ShardAddress, "db" | "shard" | "copy">) => env.SHARD.get(env.SHARD.idFromName(shardObjectName(addr.db, addr.shard, addr.copy)));

/**
 * The intake object that holds a request's messages (durable-objects/intake/): one of INTAKE_LANES per
 * database, chosen by the request's record id so a retry under the same Idempotency-Key finds its rows.
 */
export const intakeOf = (env: Env, db: string, requestRecordId: string) => intakeInLane(env, db, intakeLane(requestRecordId));

export const intakeInLane = (env: Env, db: string, lane: number) => env.INTAKE.get(env.INTAKE.idFromName(intakeObjectName(db, lane)));
