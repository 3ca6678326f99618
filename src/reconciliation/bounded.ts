// Runs async work over a list with at most `limit` items in flight. Pure control flow.

/**
 * Calls `work` for each item, at most `limit` at a time, in order. Once `shouldStop()` turns
 * true no further item is started; the ones already started finish. Resolves with the items
 * never started (so a caller can hand them back). `work` must not reject (catch inside).
 */
export async function forEachBounded<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
  shouldStop: () => boolean = () => false,
): Promise<T[]> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !shouldStop()) {
      const item = items[next++];
      await work(item);
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  return items.slice(next);
}
