// The in-process sandbox's port in sandbox mode: a fixed default (4010), so the README's curl walk
// and bookmarks work across restarts. When 4010 is taken (a second checkout, `npm run sandbox`
// already running) the sandbox takes a free port and says so in one line; a SANDBOX_PORT the
// user chose is never replaced (that start fails, naming the variable).
import { RunningSandbox, SandboxOptions, startSandbox } from './sandbox.server.js';

export const DEFAULT_SANDBOX_PORT = 4010;

/** `options.port` undefined: the default port, or any free one when it is taken. */
export async function startSandboxOnPreferredPort(
  options: SandboxOptions,
  {
    defaultPort = DEFAULT_SANDBOX_PORT,
    say = (line: string): void => void process.stdout.write(line + '\n'),
  }: { defaultPort?: number; say?: (line: string) => void } = {},
): Promise<RunningSandbox> {
  const chosenPort = options.port;
  if (chosenPort !== undefined) {
    try {
      return await startSandbox({ ...options, port: chosenPort });
    } catch (err) {
      if (isAddressInUse(err) && chosenPort !== 0)
        throw new Error(
          `SANDBOX_PORT: port ${chosenPort} is already in use (choose another, or 0 for any free port)`,
        );
      throw err;
    }
  }
  try {
    return await startSandbox({ ...options, port: defaultPort });
  } catch (err) {
    if (!isAddressInUse(err)) throw err;
    const sandbox = await startSandbox({ ...options, port: 0 });
    say(
      `Sandbox port ${defaultPort} is taken: the sandbox listens on ${sandbox.url} instead ` +
        '(set SANDBOX_PORT to choose; the curl walk reads it from SB).',
    );
    return sandbox;
  }
}

function isAddressInUse(err: unknown): boolean {
  return (err as { code?: string } | undefined)?.code === 'EADDRINUSE';
}
