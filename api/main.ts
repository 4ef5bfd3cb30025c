// The `accesswatch` command: bin/accesswatch.js runs the compiled form; tests and the benchmark
// run this file from source with `node --import tsx api/main.ts`.
import { main } from './cli.js';

main(process.argv).catch((err: unknown) => {
  process.stderr.write(`accesswatch: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
