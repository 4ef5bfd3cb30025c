/**
 * Which events the embedded store holds, kept in memory so that a batch's duplicates are found
 * without a database round trip. DuckDB has no fast way to look up a thousand keys at once (an
 * `IN` list is a full scan) and its primary-key index doubled the cost of every append.
 *
 * Each document id is a SHA-256 in base64url; the index keeps its first 52 bits as a number
 * (about 30 bytes an event in a Set). A miss proves the event is new. A hit is almost always a
 * real duplicate, but two ids can share 52 bits, so the store confirms hits against the table.
 */
export class StoredIdIndex {
  /**
   * V8 refuses to grow one Set past 2^24 entries, so the keys are spread over 1,024 Sets by their
   * top bits: room for about 17 billion ids.
   */
  private readonly shards = Array.from({ length: SHARDS }, () => new Set<number>());

  get size(): number {
    return this.shards.reduce((sum, shard) => sum + shard.size, 0);
  }

  /** False means the id is certainly not stored; true means it probably is. */
  mayHold(docId: string): boolean {
    const key = keyOf(docId);
    return this.shards[shardOf(key)].has(key);
  }

  add(docId: string): void {
    const key = keyOf(docId);
    this.shards[shardOf(key)].add(key);
  }
}

const SHARDS = 1024;
/** The top 10 of the 52 bits. */
const shardOf = (key: number): number => Math.floor(key / 2 ** 42);

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE64URL.length; i++) DIGIT[BASE64URL.charCodeAt(i)] = i;

/** The first 52 bits of a base64url id (its first nine characters hold 54), as an exact number. */
function keyOf(docId: string): number {
  let key = 0;
  for (let i = 0; i < 9; i++) {
    const digit = DIGIT[docId.charCodeAt(i)] ?? -1;
    if (digit < 0) throw new Error(`not a document id: ${JSON.stringify(docId.slice(0, 12))}`);
    key = key * 64 + digit;
  }
  return Math.floor(key / 4); // 54 bits → 52, within Number's exact integers
}
