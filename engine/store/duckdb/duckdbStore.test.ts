import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { storeContract } from '../storeContract.js';
import { DuckdbStore } from './duckdbStore.js';

const dir = mkdtempSync(join(tmpdir(), 'accesswatch-duckdb-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

storeContract('duckdb', async () => new DuckdbStore({ path: join(dir, `store-${n++}.duckdb`) }));
