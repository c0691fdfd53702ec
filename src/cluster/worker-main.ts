// Entry point of one API worker forked by `tracelens serve --workers N`.
import { serveOne } from '../cli/serve.js';

serveOne().catch((err: unknown) => {
  process.stderr.write(`error: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
