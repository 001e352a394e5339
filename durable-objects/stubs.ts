// Typed ways to reach the Durable Objects from the Worker (through bindings only).

import { copyHint } from "../contract/placement";
import { shardObjectName, type ShardAddress } from "../contract/shard-rpc";
import { intakeLane, intakeObjectName } from "./intake/lanes";

export const catalogOf = (env: Env, db: string) => env.CATALOG.get(env.CATALOG.idFromName(db));

export const directoryOf = (env: Env) => env.DIRECTORY.get(env.DIRECTORY.idFromName("directory"));

/** The slice of a Durable Object namespace that shardStubOn uses (a binding, or a recorder around one in tests). */
export interface ShardNamespace<T extends Rpc.DurableObjectBranded | undefined> {
  jurisdiction(j: DurableObjectJurisdiction): ShardNamespace<T>;
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId, options?: DurableObjectNamespaceGetDurableObjectOptions): DurableObjectStub<T>;
}

type ShardAt = Pick<ShardAddress, "db" | "shard" | "copy" | "epoch" | "placement" | "jurisdiction">;

/**
 * The one place a shard copy's stub is built. A jurisdiction selects the id namespace (the same name
 * is another object outside it); the location hint of the copy is passed on every get because only
 * the call that first creates the object is honoured, and we cannot know which call that is.
 */
export function shardStubOn<T extends Rpc.DurableObjectBranded | undefined>(ns: ShardNamespace<T>, addr: ShardAt): DurableObjectStub<T> {
  const space = addr.jurisdiction ? ns.jurisdiction(addr.jurisdiction) : ns;
  const id = space.idFromName(shardObjectName(addr.db, addr.shard, addr.copy, addr.epoch ?? 0));
  const locationHint = copyHint(addr, addr.copy);
  return locationHint ? space.get(id, { locationHint }) : space.get(id);
}

export const shardStub = (env: Env, addr: ShardAt) => shardStubOn(env.SHARD, addr);

/**
 * The intake object that holds a request's messages (durable-objects/intake/): one of INTAKE_LANES per
 * database, chosen by the request's record id so a retry under the same Idempotency-Key finds its rows.
 */
export const intakeOf = (env: Env, db: string, requestRecordId: string) => intakeInLane(env, db, intakeLane(requestRecordId));

export const intakeInLane = (env: Env, db: string, lane: number) => env.INTAKE.get(env.INTAKE.idFromName(intakeObjectName(db, lane)));
