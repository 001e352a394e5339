// Finds the rows a refused insert stumbles on. The server checks a body whole and enqueues nothing
// when any part of it is wrong (4xx), so a refused batch is split in halves and each half sent
// again, down to single rows, which are the rejected ones; everything else gets in. When the
// refusal names an entity ("entity 'u17': …") held by one row, that row is set aside at once and
// the rest resent, which saves the halving for the common case of one bad value.

import type { Row } from "./rows";

export interface Refusal {
  status: number;
  code: number | null;
  message: string;
}

export type Outcome = { ok: true } | { ok: false; refusal: Refusal };

/**
 * Sends `rows`; `label` says which part of the batch they are, for the request's Idempotency-Key.
 * Throws for anything that is not about the rows (a bad key, the server gone after its retries).
 */
export type SendRows = (rows: Row[], label: string) => Promise<Outcome>;

export interface RowRefusal {
  row: Row;
  refusal: Refusal;
}

/** Sends `rows` (the whole batch first) and answers the rows refused, in file order. */
export async function sendBisecting(rows: Row[], send: SendRows, label = "all"): Promise<RowRefusal[]> {
  const refused: RowRefusal[] = [];
  await settle(rows, label, send, refused);
  return refused.sort((a, b) => a.row.line - b.row.line);
}

async function settle(rows: Row[], label: string, send: SendRows, refused: RowRefusal[]): Promise<void> {
  if (rows.length === 0) return;
  const outcome = await send(rows, label);
  if (outcome.ok) return;
  const { refusal } = outcome;
  if (rows.length === 1) {
    refused.push({ row: rows[0]!, refusal });
    return;
  }
  const named = rows.filter((r) => refusal.message.includes(`entity '${r.entity}'`));
  if (named.length === 1) {
    const culprit = named[0]!;
    refused.push({ row: culprit, refusal });
    await settle(
      rows.filter((r) => r !== culprit),
      `${label}-${culprit.line}`,
      send,
      refused,
    );
    return;
  }
  const mid = rows.length >>> 1;
  await settle(rows.slice(0, mid), `${label}.0`, send, refused);
  await settle(rows.slice(mid), `${label}.1`, send, refused);
}
