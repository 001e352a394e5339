// The import checkpoint on disk: acknowledged batches as ranges, saved after each one, read back by
// a resumed run, and refused for another file, other options or another API key.

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Checkpoint, CheckpointMismatch, IndexSet } from "../../../cli/import/checkpoint";

const file = { path: "users.csv", bytes: 10, sha256: "aa" };

describe("import checkpoint", () => {
  it("keeps indexes as joined ranges, whatever the order they come in", () => {
    const s = new IndexSet();
    for (const i of [3, 0, 1, 7, 2, 5, 6]) s.add(i);
    expect([s.toJSON(), s.size, s.has(4), s.has(5)]).toEqual([
      [
        [0, 3],
        [5, 7],
      ],
      7,
      false,
      true,
    ]);
  });

  it("is saved after every acknowledged batch and resumed from", () => {
    const path = join(mkdtempSync(join(tmpdir(), "sliced-ck-")), "ck.json");
    const first = Checkpoint.open(path, "run1", file, "key1");
    first.ack(0, 100, []);
    first.ack(2, 100, [{ line: 250, entity: "u9", code: 73, message: "bad", source: null }]);
    expect(JSON.parse(readFileSync(path, "utf8"))).toMatchObject({
      version: 1,
      run: "run1",
      acked: [
        [0, 0],
        [2, 2],
      ],
      records: 200,
    });
    const resumed = Checkpoint.open(path, "run1", file, "key1");
    expect([resumed.resumedBatches, resumed.records, resumed.isAcked(1), resumed.isAcked(2), resumed.rejected.length]).toEqual([2, 200, false, true, 1]);
  });

  it("refuses a checkpoint of another file, other options, another API key, or not a checkpoint at all", () => {
    const path = join(mkdtempSync(join(tmpdir(), "sliced-ck-")), "ck.json");
    Checkpoint.open(path, "run1", file, "key1").ack(0, 1, []);
    expect(() => Checkpoint.open(path, "run2", { ...file, sha256: "bb" }, "key1")).toThrow(
      new CheckpointMismatch(`the checkpoint ${path} belongs to another import: it was written for another file (users.csv, 10 bytes); remove it to start over`),
    );
    expect(() => Checkpoint.open(path, "run2", file, "key1")).toThrow(/written with other options/);
    expect(() => Checkpoint.open(path, "run1", file, "key2")).toThrow(/written by an import with another API key; the server keeps Idempotency-Keys per API key/);
    writeFileSync(path, "{}");
    expect(() => Checkpoint.open(path, "run1", file, "key1")).toThrow(`${path} is not a sliced import checkpoint; remove it to start over`);
  });
});
