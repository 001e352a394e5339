// The database an operator route names by its :id (20 hex digits), or 404 / 3004; remembered on the
// request so its log line names it.

import type { AppContext } from "../app-env";
import { directoryOf } from "../../durable-objects/stubs";
import { ApiError } from "../../contract/errors";
import type { DatabaseInfo } from "../../contract/schema";

export async function databaseOr404(c: AppContext): Promise<DatabaseInfo> {
  const id = c.req.param("id") ?? "";
  const info = /^[0-9a-f]{20}$/.test(id) ? await directoryOf(c.env).get(id) : null;
  if (!info) throw new ApiError("DATABASE_NOT_FOUND", `no database with id '${id}'`);
  c.set("db", info.id);
  return info;
}
