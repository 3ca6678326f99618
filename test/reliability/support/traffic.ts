// What the scenarios send: partner initiations with synthetic contacts (each recorded for the leak
// scan), sandbox completions with synthetic KTP data, and a tap on the provider's token host that
// records every partner token the service is given.
import { createServer, request as httpRequest, Server } from 'node:http';
import { SandboxControlClient } from '../../../src/sandbox/sandbox-control.client.js';
import { Answer, json, send } from './http.js';
import { REL_API_KEY, REL_CALLBACK_SECRET } from './processes.js';
import { recordSensitive } from './run-dir.js';

export const partner = { authorization: `Bearer ${REL_API_KEY}` };

let counter = 0;

/** A valid POST /v1/verifications body with a fresh synthetic phone (and sometimes email). */
export function verificationBody(tag: string): Record<string, unknown> {
  const n = ++counter;
  const phoneNumber = `62812${String(process.pid % 1000).padStart(3, '0')}${String(n).padStart(5, '0')}`;
  const email = n % 3 === 0 ? `rel.${tag}.${process.pid}.${n}@example.test` : undefined;
  recordSensitive('phone', phoneNumber);
  recordSensitive('email', email);
  return {
    userId: `rel-${tag}-${process.pid}-${n}`,
    phoneNumber,
    ...(email ? { email } : {}),
    verification: { isVerified: true, verificationReferenceId: `ref-${tag}-${n}` },
  };
}

export async function initiate(
  baseUrl: string,
  tag: string,
  timeoutMs = 30_000,
): Promise<Answer & { id?: string }> {
  const a = await send('POST', `${baseUrl}/v1/verifications`, {
    headers: partner,
    body: verificationBody(tag),
    timeoutMs,
  });
  if (a.status === 201) {
    const b = json(a);
    recordSensitive('sdk-token', b.sdkToken);
    return { ...a, id: b.id };
  }
  return a;
}

/** Synthetic KTP data unique to `n` (so a leak of it cannot be a coincidence). */
export function syntheticKtp(n: number): { nik: string; name: string; address: string } {
  const letters = (k: number) => {
    let out = '';
    for (let i = 0; i < 6; i++, k = Math.floor(k / 26)) out += String.fromCharCode(65 + (k % 26));
    return out;
  };
  const ktp = {
    nik: `3171${String(n % 1_000_000).padStart(6, '0')}${String((n * 7919) % 1_000_000).padStart(6, '0')}`,
    name: `RELTEST ${letters(n + 1_000)} ${letters(n * 7919 + 13)}`,
    address: `JL. UJIAN ${letters(n + 7_777)} NO ${n}`,
  };
  recordSensitive('nik', ktp.nik);
  recordSensitive('name', ktp.name);
  recordSensitive('address', ktp.address);
  return ktp;
}

/** Records the KTP data and image URLs the sandbox generated for sessions it completed itself. */
export async function recordSandboxPii(control: SandboxControlClient, ids: string[]): Promise<void> {
  for (const id of ids) {
    const s = await control.session(id).catch(() => undefined);
    const d = s?.submission?.submissionDetails;
    if (!d) continue;
    recordSensitive('nik', d.ktpData?.nik);
    recordSensitive('name', d.ktpData?.name);
    recordSensitive('address', d.ktpData?.address);
    for (const url of Object.values(d.imageUrls ?? {})) recordSensitive('image-url', url as string);
  }
}

/** A callback body sent straight to the service (not through the sandbox). */
export async function postCallback(baseUrl: string, body: unknown, timeoutMs = 10_000): Promise<Answer> {
  return send('POST', `${baseUrl}/v1/callbacks/onekyc`, {
    headers: { authorization: REL_CALLBACK_SECRET },
    body,
    timeoutMs,
  });
}

/** A round-robin HTTP proxy (the load balancer in front of several instances): request i goes to target i mod n. */
export async function startRoundRobin(
  targets: string[],
): Promise<{ url: string; sent: number[]; close(): Promise<void> }> {
  const sent = targets.map(() => 0);
  let n = 0;
  const server: Server = createServer((req, res) => {
    const i = n++ % targets.length;
    sent[i]++;
    const to = new URL(targets[i]);
    const up = httpRequest(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end('{"error":"upstream unavailable"}');
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    sent,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
