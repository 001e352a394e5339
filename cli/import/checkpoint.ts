// The checkpoint of a resumable import: which batches the server acknowledged and which records
// were rejected, saved (write, then rename, so a crash leaves the old or the new file, never half
// of one) after every acknowledged batch. A resumed run skips the batches it lists; one that was
// acknowledged but not yet recorded when the process died is sent again under the same
// Idempotency-Key by the same API key (the server's scope of a key), which the server applies once.

import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import type { Rejected } from "./rows";

/** A set of batch indexes kept as ascending, disjoint [first, last] ranges. */
export class IndexSet {
  private ranges: Array<[number, number]> = [];

  constructor(ranges: ReadonlyArray<readonly [number, number]> = []) {
    for (const [a, b] of ranges) for (let i = a; i <= b; i++) this.add(i);
  }

  has(i: number): boolean {
    let lo = 0;
    let hi = this.ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const [a, b] = this.ranges[mid]!;
      if (i < a) hi = mid - 1;
      else if (i > b) lo = mid + 1;
      else return true;
    }
    return false;
  }

  add(i: number): void {
    if (this.has(i)) return;
    // Insert in order, then join with the neighbours it touches.
    let at = this.ranges.findIndex(([a]) => a > i);
    if (at === -1) at = this.ranges.length;
    this.ranges.splice(at, 0, [i, i]);
    const prev = this.ranges[at - 1];
    if (prev && prev[1] + 1 === i) {
      prev[1] = i;
      this.ranges.splice(at, 1);
      at--;
    }
    const cur = this.ranges[at]!;
    const next = this.ranges[at + 1];
    if (next && cur[1] + 1 === next[0]) {
      cur[1] = next[1];
      this.ranges.splice(at + 1, 1);
    }
  }

  get size(): number {
    return this.ranges.reduce((n, [a, b]) => n + b - a + 1, 0);
  }

  toJSON(): Array<[number, number]> {
    return this.ranges.map(([a, b]) => [a, b]);
  }
}

/** What identifies the import a checkpoint belongs to. */
export interface FileIdentity {
  path: string;
  bytes: number;
  sha256: string;
}

interface CheckpointFile {
  version: 1;
  /** The import's id: the file's content and every option that shapes batches and bodies. */
  run: string;
  file: FileIdentity;
  /**
   * A digest of the API key that sent the batches (never the key): the server scopes an
   * Idempotency-Key to the API key, so another key resending a batch would insert it again.
   */
  sender: string;
  acked: Array<[number, number]>;
  /** Records in acknowledged batches (rows and rejected ones). */
  records: number;
  rejected: Rejected[];
  updatedAt: string;
}

export class CheckpointMismatch extends Error {
  override readonly name = "CheckpointMismatch";
}

export class Checkpoint {
  readonly path: string | null;
  readonly run: string;
  private readonly file: FileIdentity;
  private readonly sender: string;
  private readonly acked: IndexSet;
  private recordsDone: number;
  private readonly rejectedList: Rejected[];

  private constructor(path: string | null, run: string, file: FileIdentity, sender: string, data: CheckpointFile | null) {
    this.path = path;
    this.run = run;
    this.file = file;
    this.sender = sender;
    this.acked = new IndexSet(data?.acked ?? []);
    this.recordsDone = data?.records ?? 0;
    this.rejectedList = data?.rejected ?? [];
  }

  /** The checkpoint at `path` (a new one when the file does not exist; none at all when `path` is null). */
  static open(path: string | null, run: string, file: FileIdentity, sender: string): Checkpoint {
    if (path === null || !existsSync(path)) return new Checkpoint(path, run, file, sender, null);
    let data: CheckpointFile;
    try {
      data = JSON.parse(readFileSync(path, "utf8")) as CheckpointFile;
    } catch (e) {
      throw new CheckpointMismatch(`the checkpoint ${path} cannot be read (${e instanceof Error ? e.message : String(e)}); remove it to start over`);
    }
    if (data.version !== 1 || !Array.isArray(data.acked) || !Array.isArray(data.rejected)) throw new CheckpointMismatch(`${path} is not a sliced import checkpoint; remove it to start over`);
    if (data.run !== run) {
      const why =
        data.file?.sha256 !== file.sha256
          ? `it was written for another file (${data.file?.path ?? "?"}, ${data.file?.bytes ?? "?"} bytes)`
          : "it was written with other options (dimension, id column, --map, --batch)";
      throw new CheckpointMismatch(`the checkpoint ${path} belongs to another import: ${why}; remove it to start over`);
    }
    if (data.sender !== sender)
      throw new CheckpointMismatch(
        `the checkpoint ${path} was written by an import with another API key; the server keeps Idempotency-Keys per API key, so resuming with this one could insert a batch twice: resume with the same key, or remove the checkpoint to start over`,
      );
    return new Checkpoint(path, run, file, sender, data);
  }

  /** Batches already acknowledged (by a run this one resumes). */
  get resumedBatches(): number {
    return this.acked.size;
  }

  get records(): number {
    return this.recordsDone;
  }

  get rejected(): readonly Rejected[] {
    return this.rejectedList;
  }

  isAcked(batch: number): boolean {
    return this.acked.has(batch);
  }

  /** Records batch `batch` as acknowledged, with its rejected records, and saves. */
  ack(batch: number, records: number, rejected: readonly Rejected[]): void {
    if (this.acked.has(batch)) return;
    this.acked.add(batch);
    this.recordsDone += records;
    this.rejectedList.push(...rejected);
    this.save();
  }

  save(): void {
    if (this.path === null) return;
    const data: CheckpointFile = {
      version: 1,
      run: this.run,
      file: this.file,
      sender: this.sender,
      acked: this.acked.toJSON(),
      records: this.recordsDone,
      rejected: this.rejectedList,
      updatedAt: new Date().toISOString(),
    };
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(data));
    renameSync(tmp, this.path);
  }
}
