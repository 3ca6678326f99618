#!/usr/bin/env node
// A partner's webhook receiver in 40 lines, for trying the service out (the README's curl walk):
// verifies every request with the `standardwebhooks` package, as a partner's back end would,
// prints the event, dedupes on webhook-id, and answers 204 (401 when the signature is wrong).
//   WEBHOOK_SECRET=whsec_... PORT=4020 npm run webhook:receiver [-- --until verification.completed]
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

const secret = process.env.WEBHOOK_SECRET;
if (!secret) {
  console.error('WEBHOOK_SECRET is required (the secret POST /admin/webhook-endpoints answered)');
  process.exit(2);
}
const port = Number(process.env.PORT ?? 4020);
const untilIdx = process.argv.indexOf('--until');
const until = untilIdx > 0 ? process.argv[untilIdx + 1] : undefined;
const wh = new Webhook(secret);
const seen = new Set();

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    let event;
    try {
      event = wh.verify(body, req.headers);
    } catch (err) {
      console.log(`rejected: ${err.message}`);
      res.writeHead(401).end();
      return;
    }
    res.writeHead(204).end();
    const v = event.data?.verification;
    const repeat = seen.has(event.id) ? ' (repeat: already handled)' : '';
    seen.add(event.id);
    console.log(
      `verified ${event.type} ${event.id}${repeat}` +
        (v ? ` verification=${v.id} version=${v.version} status=${v.status} result=${v.result}` : ''),
    );
    if (until && event.type === until) server.close(() => process.exit(0));
  });
});
server.listen(port, '127.0.0.1', () => console.log(`webhook receiver on http://127.0.0.1:${port}/webhooks`));
