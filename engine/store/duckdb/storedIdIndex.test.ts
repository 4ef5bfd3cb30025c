import { describe, expect, it } from 'vitest';
import { eventDocId } from '../../events/canonical.js';
import { StoredIdIndex } from './storedIdIndex.js';

describe('StoredIdIndex', () => {
  it('never forgets an id it was given, and rarely claims one it was not', () => {
    const index = new StoredIdIndex();
    const held = Array.from({ length: 50_000 }, (_, i) => eventDocId('emis', `held-${i}`));
    held.forEach((id) => index.add(id));
    expect(held.every((id) => index.mayHold(id))).toBe(true);
    const others = Array.from({ length: 50_000 }, (_, i) => eventDocId('emis', `other-${i}`));
    expect(others.filter((id) => index.mayHold(id)).length).toBe(0);
    expect(index.size).toBe(50_000);
  });

  it('treats ids that share their first 52 bits as possibly held (the store then checks the table)', () => {
    const index = new StoredIdIndex();
    index.add('AAAAAAAAAxyz');
    expect(index.mayHold('AAAAAAAAAxyz')).toBe(true);
    expect(index.mayHold('AAAAAAAABqqq')).toBe(true); // differs only in the last 2 of the first 54 bits
    expect(index.mayHold('AAAAAAAAEqqq')).toBe(false);
  });

  it('keeps ids apart in tables that grow, so it can hold more than one JavaScript Set can (2^24 entries)', () => {
    const index = new StoredIdIndex();
    const ids = Array.from({ length: 200_000 }, (_, i) => eventDocId('emis', `spread-${i}`));
    ids.forEach((id) => index.add(id));
    ids.slice(0, 1000).forEach((id) => index.add(id)); // added again: no change
    expect(index.size).toBe(200_000);
    expect(ids.every((id) => index.mayHold(id))).toBe(true);
    const shards = (index as unknown as { shards: { size: number }[] }).shards;
    expect(shards.length).toBe(64);
    expect(Math.max(...shards.map((shard) => shard.size))).toBeLessThan(4000);
  });

  it('holds the key whose bits are all zero', () => {
    const index = new StoredIdIndex();
    expect(index.mayHold('AAAAAAAAAzzz')).toBe(false);
    index.add('AAAAAAAAAzzz');
    index.add('AAAAAAAAAzzz');
    expect(index.mayHold('AAAAAAAAAzzz')).toBe(true);
    expect(index.size).toBe(1);
  });

  it('refuses what is not a document id', () => {
    expect(() => new StoredIdIndex().add('not an id!')).toThrow(/not a document id/);
  });
});
