// A piece of database upkeep the service runs in the background every
// interval (GIN pending-list merges, partition upkeep): never two passes at
// once, failures logged once per outage (the database may be down or still
// migrating: the API reports that), and stop() waits for a pass in flight.
export interface TaskLog {
  warn(obj: object, msg: string): void;
}

export class PeriodicTask {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private failures = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly pass: () => Promise<unknown>,
    private readonly failureMessage: string,
    private readonly log?: TaskLog,
  ) {}

  start(): void {
    if (this.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      // A pass still running (a large list after a bulk load) is not stacked on.
      if (this.running) return;
      this.running = this.pass()
        .then(() => (this.failures = 0))
        .catch((err: Error) => {
          if (this.failures++ === 0) this.log?.warn({ err: err.message }, this.failureMessage);
        })
        .finally(() => (this.running = null));
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
