// The bodies of the operator API validated with zod (POST /admin/databases, …/faults, …/restore), in
// a module of their own that imports no binding: the OpenAPI document and the typed client's
// request types (src/openapi/wire-types.ts) derive from them without pulling in the routes.

import { z } from "zod";
import { isSnapshotId } from "../../durable-objects/shard/backup-objects";
import { FAULT_MODES } from "../../contract/shard-rpc";
import { JURISDICTIONS, LOCATION_HINTS } from "../../contract/placement";
import { SHARDS_MAX } from "../../contract/limits";

export const createDatabaseSchema = z.strictObject({
  name: z.string({ error: "is required and must be a string" }).trim().min(1, "must not be blank").max(200, "must be at most 200 characters"),
  description: z.string({ error: "must be a string" }).max(1000, "must be at most 1000 characters").optional(),
  shards: z.number({ error: "must be an integer" }).int("must be an integer").min(1, "must be at least 1").max(SHARDS_MAX, `must be at most ${SHARDS_MAX}`).optional(),
  replicas: z.number({ error: "must be an integer" }).int("must be an integer").min(0, "must be at least 0").max(2, "must be at most 2").optional(),
  // Copy i of every shard is created near placement[i % length]; see contract/placement.ts.
  placement: z
    .array(z.enum(LOCATION_HINTS, { error: `must be one of ${LOCATION_HINTS.join(", ")}` }), { error: "must be an array of location hints" })
    .min(1, "must name at least 1 location hint")
    .max(3, "must name at most 3 location hints (one per copy)")
    .optional(),
  jurisdiction: z.enum(JURISDICTIONS, { error: `must be one of ${JURISDICTIONS.join(", ")}` }).optional(),
});

export const faultSchema = z.strictObject({
  shard: z.number({ error: "must be an integer" }).int("must be an integer").min(0, "must be at least 0"),
  replica: z.number({ error: "must be 0 (primary) or a replica number" }).int("must be an integer").min(0, "must be at least 0").max(2, "must be at most 2"),
  mode: z.enum(FAULT_MODES, { error: `must be one of ${FAULT_MODES.join(", ")}` }),
});

export const restoreSchema = z.strictObject({
  snapshot: z
    .string({ error: "is required: a snapshot id from GET /admin/databases/:id/backups" })
    .refine(isSnapshotId, "is not a snapshot id (hourly-YYYY-MM-DDTHH or manual-YYYY-MM-DDTHH-MM-SS-mmmZ)"),
  location: z.enum(["local", "remote"], { error: "must be local (BACKUPS) or remote (the daily copy in BACKUPS_REMOTE)" }).optional(),
});

/** POST /admin/databases/:id/reshard: the shard count the database moves to (docs/resharding.md). */
export const reshardSchema = z.strictObject({
  shards: z.number({ error: "is required and must be an integer" }).int("must be an integer").min(1, "must be at least 1").max(SHARDS_MAX, `must be at most ${SHARDS_MAX}`),
});
