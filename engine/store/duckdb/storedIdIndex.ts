/**
 * Which events the embedded store holds, kept in memory so that a batch's duplicates are found
 * without a database round trip. DuckDB has no fast way to look up a thousand keys at once (an
 * `IN` list is a full scan) and its primary-key index doubled the cost of every append.
 *
 * Each document id is a SHA-256 in base64url; the index keeps its first 52 bits as a number
 * (8 to 32 bytes an event in a hash table of doubles). A miss proves the event is new. A hit is almost always a
 * real duplicate, but two ids can share 52 bits, so the store confirms hits against the table.
 */
export class StoredIdIndex {
  /**
   * The keys in open-addressing hash tables of doubles (8 bytes a slot, no object per key), one
   * per value of the keys' top 6 bits so that no table needs more slots than one typed array holds:
   * room for about 16 billion ids. A key is random (hash bits), so its low bits pick its slot.
   */
  private readonly shards = Array.from({ length: SHARDS }, () => new KeyTable());

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

/** A set of 52-bit keys as doubles, probed linearly, kept at most half full. 0 marks an empty slot; the key 0 is kept apart. */
class KeyTable {
  private slots = new Float64Array(INITIAL_SLOTS);
  private mask = INITIAL_SLOTS - 1;
  private holdsZero = false;
  size = 0;

  has(key: number): boolean {
    if (key === 0) return this.holdsZero;
    for (let slot = slotOf(key, this.mask); ; slot = (slot + 1) & this.mask) {
      const held = this.slots[slot];
      if (held === key) return true;
      if (held === 0) return false;
    }
  }

  add(key: number): void {
    if (key === 0) {
      if (!this.holdsZero) this.size += 1;
      this.holdsZero = true;
      return;
    }
    if (this.place(this.slots, this.mask, key)) this.size += 1;
    if (this.size * 2 > this.slots.length) this.grow();
  }

  /** Puts the key in its slot unless it is there already; says whether it was added. */
  private place(slots: Float64Array, mask: number, key: number): boolean {
    for (let slot = slotOf(key, mask); ; slot = (slot + 1) & mask) {
      const held = slots[slot];
      if (held === key) return false;
      if (held === 0) {
        slots[slot] = key;
        return true;
      }
    }
  }

  private grow(): void {
    const slots = new Float64Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (const key of this.slots) if (key !== 0) this.place(slots, mask, key);
    this.slots = slots;
    this.mask = mask;
  }
}

const SHARDS = 64;
const INITIAL_SLOTS = 1024;
/** The top 6 of the 52 bits. */
const shardOf = (key: number): number => Math.floor(key / 2 ** 46);
/** The key's low 32 bits, masked to the table's size. */
const slotOf = (key: number, mask: number): number => (key % 4294967296) & mask;

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
