import { main } from '../api/cli.js';

// `accesswatch` run from source, so the benchmark measures the server as users start it.
main(process.argv).catch((err: unknown) => {
  process.stderr.write(`accesswatch: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
