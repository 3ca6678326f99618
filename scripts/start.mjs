// `npm start`: build only if dist/ is stale (scripts/ensure-built.mjs), then run the service in
// this same process (no second Node process between the terminal's signals and the service).
import { ensureBuilt } from './ensure-built.mjs';

ensureBuilt();
await import('../dist/main.js');
