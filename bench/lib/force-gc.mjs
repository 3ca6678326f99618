/* global WebSocket -- Node 20 provides it under --experimental-websocket */
// Run with `node --experimental-websocket force-gc.mjs <inspector port>`: asks a Node process
// started with --inspect for a full, memory-reducing garbage collection (the inspector's
// HeapProfiler.collectGarbage, i.e. V8's low-memory notification), twice, then exits.
const port = process.argv[2];
const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
const ws = new WebSocket(targets[0].webSocketDebuggerUrl);
await new Promise((resolve, reject) => {
  ws.addEventListener('open', resolve);
  ws.addEventListener('error', reject);
});
let id = 0;
const pending = new Map();
ws.addEventListener('message', (e) => {
  const m = JSON.parse(e.data);
  pending.get(m.id)?.(m);
  pending.delete(m.id);
});
const call = (method) =>
  new Promise((resolve) => {
    pending.set(++id, resolve);
    ws.send(JSON.stringify({ id, method }));
  });
await call('HeapProfiler.collectGarbage');
await call('HeapProfiler.collectGarbage');
ws.close();
process.exit(0);
