// Runs the accesswatch CLI from source (tests spawn it with `node --import tsx`).
import { main } from '../api/cli.js';

main(process.argv).catch((err: unknown) => {
  process.stderr.write(`accesswatch: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
