// `npm start`: build only if dist/ is stale (scripts/ensure-built.mjs), then run the service in
// this same process (no second Node process between the terminal's signals and the service).
// The package.json script starts with `exec`, so npm's shell is replaced by this process: npm
// forwards SIGTERM/SIGINT to its child, and without `exec` that child would be the shell, which
// dies without passing the signal on (node and the embedded PostgreSQL kept running).
import { ensureBuilt } from './ensure-built.mjs';

ensureBuilt();
await import('../dist/main.js');
