// Entry of the DuckDB store thread. Built installs run the compiled storeThread.js beside this
// file; running from source (tests, `node --import tsx`) registers tsx in the thread first.
import { existsSync } from 'node:fs';

const compiled = new URL('./storeThread.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('./storeThread.ts', import.meta.url).href);
}
