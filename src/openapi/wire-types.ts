// The request bodies the Worker validates with zod, as TypeScript types of what a caller sends
// (z.input: before trims and defaults). The typed client (client/) imports these types only, so it
// stays in step with the routes' schemas and bundles none of their code.

import type { z } from "zod";
import type { createDatabaseSchema, faultSchema, reshardSchema, restoreSchema } from "../routes/admin-schemas";
import type { columnPatchSchema, columnSchema } from "../routes/column-schema";

/** POST /v1/column: one column definition (API.md §4.2). */
export type ColumnDefinitionBody = z.input<typeof columnSchema>;
/** PUT /v1/column/<api-name>. */
export type ColumnPatchBody = z.input<typeof columnPatchSchema>;
/** POST /admin/databases. */
export type CreateDatabaseBody = z.input<typeof createDatabaseSchema>;
/** POST /admin/databases/<id>/faults. */
export type FaultBody = z.input<typeof faultSchema>;
/** POST /admin/databases/<id>/restore. */
export type RestoreBody = z.input<typeof restoreSchema>;
export type ReshardBody = z.input<typeof reshardSchema>;
