import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { storeContract } from '../storeContract.js';
import { ThreadedDuckdbStore } from './threadedDuckdbStore.js';

const dir = mkdtempSync(join(tmpdir(), 'accesswatch-duckdb-thread-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

storeContract('duckdb in its own thread', async () => new ThreadedDuckdbStore({ path: join(dir, `store-${n++}.duckdb`) }));
