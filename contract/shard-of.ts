// The one function that decides where an entity lives: shard = hash(dimension, entity id) mod shards.
// Pure and stable forever (changing it would strand data), so it is FNV-1a 32-bit over UTF-8.

const encoder = new TextEncoder();

/** FNV-1a, 32 bits, over the UTF-8 bytes of `text`. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of encoder.encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function shardOf(dimension: string, entityId: string, shards: number): number {
  return fnv1a32(`${dimension}\u0000${entityId}`) % shards;
}
