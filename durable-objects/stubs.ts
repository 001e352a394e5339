// Typed ways to reach the Durable Objects from the Worker (through bindings only).

import { shardObjectName, type ShardAddress } from "../contract/shard-rpc";

export const catalogOf = (env: Env, db: string) => env.CATALOG.get(env.CATALOG.idFromName(db));

export const directoryOf = (env: Env) => env.DIRECTORY.get(env.DIRECTORY.idFromName("directory"));

export const shardStub = (env: Env, addr: Pick<ShardAddress, "db" | "shard" | "copy">) => env.SHARD.get(env.SHARD.idFromName(shardObjectName(addr.db, addr.shard, addr.copy)));
