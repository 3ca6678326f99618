// Small helpers for speaking HTTP to the app under test (plain fetch: nothing is mocked).

/** The parsed JSON body; `any` on purpose so tests can assert on shapes directly. */
export async function json(res: Response): Promise<any> {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`expected JSON, got ${res.status}: ${text.slice(0, 200)}`);
  }
}

export function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}
