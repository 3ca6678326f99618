// The guard every scheduled job keeps on its instance: one run at a time (a tick that finds a run
// still going is skipped, not queued), and no new run once shutdown began.
export class SingleRun<T> {
  private current: Promise<T> | null = null;
  private stopped = false;

  /** `onSkipped` counts a tick that found a run going (or came after shutdown). */
  constructor(private readonly onSkipped: () => void) {}

  /** True once `stop()` was called: a run in progress should wind down. */
  get stopping(): boolean {
    return this.stopped;
  }

  /** Runs `work` unless a run is going or shutdown began (then null). */
  async start(work: () => Promise<T>): Promise<T | null> {
    if (this.current || this.stopped) {
      this.onSkipped();
      return null;
    }
    this.current = work();
    try {
      return await this.current;
    } finally {
      this.current = null;
    }
  }

  /** Lets no new run start; answers the run in progress, if any, for the caller to wait on. */
  stop(): Promise<T> | null {
    this.stopped = true;
    return this.current;
  }
}
