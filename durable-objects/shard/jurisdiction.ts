// Whether a shard object may hold its database's data: a database created with a jurisdiction keeps
// every copy in that jurisdiction's id namespace, and an object reached by the same name outside it
// (a caller that did not pass the placement) must refuse rather than store data where it may not be.

import type { ShardAddress } from "../../contract/shard-rpc";
import { catalogOf } from "../stubs";

/** Why this object must refuse calls for `addr` (null: it may serve them). */
export async function outsideJurisdiction(env: Env, id: DurableObjectId, addr: ShardAddress): Promise<string | null> {
  const here = id.jurisdiction ?? null;
  if (addr.jurisdiction !== undefined && addr.jurisdiction !== here) return refusal(addr, addr.jurisdiction, here);
  if (here !== null) return null; // only shardStubOn opens a jurisdiction namespace, from the database's own setting
  // The caller named no jurisdiction: the database's own setting decides (a bare shard in tests has no catalog).
  const wanted = (await catalogOf(env, addr.db).schema())?.database.jurisdiction ?? null;
  return wanted === null ? null : refusal(addr, wanted, here);
}

function refusal(addr: ShardAddress, wanted: string, here: string | null): string {
  return `shard ${addr.shard} copy ${addr.copy} of database ${addr.db} was reached ${here === null ? "outside any jurisdiction" : `in jurisdiction '${here}'`} but the database keeps its data in '${wanted}': the caller must build the stub with the database's placement`;
}
