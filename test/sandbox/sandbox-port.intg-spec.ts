// The sandbox's port in sandbox mode: the fixed default, a clear fallback when it is taken, and a
// chosen SANDBOX_PORT that is never silently replaced. Real listening sockets on loopback.
import { createServer, Server } from 'node:net';
import { startSandboxOnPreferredPort } from '../../src/sandbox/sandbox-port.js';
import type { RunningSandbox } from '../../src/sandbox/sandbox.server.js';

const OPTIONS = {
  host: '127.0.0.1',
  clientId: '11111111-1111-4111-8111-111111111111',
  passKey: '22222222-2222-4222-8222-222222222222',
  onboardingPartner: 'TEST_PARTNER-SDK-STANDALONE_IDENTITY_VERIFICATION',
  callbackAuthHeader: 'authorization',
  callbackAuthValue: 'Bearer test',
};

describe('the sandbox port in sandbox mode', () => {
  let blocker: Server;
  let taken: number;
  const started: RunningSandbox[] = [];

  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    taken = (blocker.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const s of started) await s.close();
    await new Promise((r) => blocker.close(r));
  });

  it('falls back to a free port and says so in one line when the default port is taken', async () => {
    const lines: string[] = [];
    const sandbox = await startSandboxOnPreferredPort(OPTIONS, {
      defaultPort: taken,
      say: (l) => lines.push(l),
    });
    started.push(sandbox);
    expect(sandbox.port).not.toBe(taken);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`Sandbox port ${taken} is taken`);
    expect(lines[0]).toContain(sandbox.url);
    const res = await fetch(`${sandbox.url}/sandbox/settings`);
    expect(res.status).toBeLessThan(500);
  });

  it('uses the default port when it is free, without a line', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const free = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const lines: string[] = [];
    const sandbox = await startSandboxOnPreferredPort(OPTIONS, {
      defaultPort: free,
      say: (l) => lines.push(l),
    });
    started.push(sandbox);
    expect(sandbox.port).toBe(free);
    expect(lines).toEqual([]);
  });

  it('refuses a chosen SANDBOX_PORT that is taken, naming the variable', async () => {
    await expect(startSandboxOnPreferredPort({ ...OPTIONS, port: taken })).rejects.toThrow(
      `SANDBOX_PORT: port ${taken} is already in use`,
    );
  });
});
