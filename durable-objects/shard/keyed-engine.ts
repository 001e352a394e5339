// The shard's storage engine, built around its database's data key: the key is fetched from the
// catalog and unwrapped once (concurrent callers share the load), kept in memory only, and gives the
// segment cipher, the outbox's cipher and the backup seal. Dropped to force a fresh load.

import type { ShardAddress } from "../../contract/shard-rpc";
import type { ExportingEngine } from "../../engine/engine";
import type { SegmentCipher } from "../../engine/index";
import { createShardEngine } from "../../engine/select";
import { importDataKey, type BackupSeal } from "./backup-cipher";
import type { MasterSecrets } from "./data-key";
import { loadDataKey } from "./load-data-key";
import type { ShardLog } from "./log";
import { createSegmentCipher } from "./segment-cipher";

interface Keys {
  db: string;
  cipher: SegmentCipher | null;
  backup: BackupSeal | null;
}

export class KeyedEngine {
  private keys: Keys | null = null;
  private current: ExportingEngine | null = null;
  private loading: Promise<void> | null = null;

  constructor(
    private readonly env: Env,
    private readonly storage: DurableObjectStorage,
    private readonly log: () => ShardLog,
    private readonly secrets: () => MasterSecrets,
  ) {}

  /** The engine; only after ready(). */
  get engine(): ExportingEngine {
    if (this.current === null) throw new Error("shard engine used before its data key was loaded");
    return this.current;
  }

  /** The engine if it is loaded, else null (health and rollbacks must not load it). */
  get loaded(): ExportingEngine | null {
    return this.current;
  }

  get cipher(): SegmentCipher | null {
    return this.keys?.cipher ?? null;
  }

  get backupSeal(): BackupSeal | null {
    return this.keys?.backup ?? null;
  }

  /** Loads the data key once and builds the engine around it. */
  async ready(addr: ShardAddress): Promise<void> {
    if (this.current !== null && this.keys?.db === addr.db) return;
    this.loading ??= (async () => {
      const raw = await loadDataKey(this.env, addr.db, this.secrets());
      const context = `${addr.db}/${addr.shard}`; // bound into every AAD: rows and objects stay in their shard
      const keys = { db: addr.db, cipher: raw && createSegmentCipher(raw, context), backup: raw && { key: await importDataKey(raw), context } };
      raw?.fill(0);
      this.keys = keys;
      this.log().useCipher(keys.cipher);
      this.current = this.storage.transactionSync(() => createShardEngine(this.storage.sql, keys.cipher));
    })().finally(() => {
      this.loading = null;
    });
    await this.loading;
  }

  /** Puts in an engine built over replaced tables (a restore): nothing cached from the old ones survives. */
  replace(engine: ExportingEngine): void {
    this.current = engine;
  }

  /** Drops the key and the engine; the next ready() fetches and unwraps the key again. */
  forget(): void {
    this.keys = null;
    this.current = null;
    this.log().useCipher(null);
  }
}
