#!/usr/bin/env node
import { main } from '../dist/api/cli.js';

main(process.argv).catch((err) => {
  process.stderr.write(`accesswatch: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
