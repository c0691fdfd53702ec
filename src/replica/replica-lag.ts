// Replication lag measured in time, from WAL positions. The primary's current
// LSN is sampled at every probe; the lag is how long ago the oldest sample
// the replica has not replayed yet was taken. Unlike
// now() - pg_last_xact_replay_timestamp(), this does not report an idle
// primary (nothing to replay) as an ever-growing lag, and it needs no clock
// agreement between the two servers: both times are this process's.

/** A PostgreSQL LSN ('16/B374D848') as a comparable integer. */
export function parseLsn(lsn: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn);
  if (!m) throw new Error(`not an LSN: '${lsn}'`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

interface Sample {
  lsn: bigint;
  atMs: number;
}

/** Bounded: one sample per probe, and samples older than the cap are merged away. */
const MAX_SAMPLES = 600;

export class LagTracker {
  private samples: Sample[] = [];

  /**
   * Records the primary's position and the replica's replayed position seen
   * at nowMs, and returns the lag in seconds (0 when the replica has caught up).
   */
  observe(primaryLsn: bigint, replayedLsn: bigint, nowMs: number): number {
    const last = this.samples[this.samples.length - 1];
    if (!last || primaryLsn > last.lsn) this.samples.push({ lsn: primaryLsn, atMs: nowMs });
    // Everything at or below the replayed position has arrived.
    let caughtUp = 0;
    while (caughtUp < this.samples.length && this.samples[caughtUp]!.lsn <= replayedLsn) caughtUp++;
    if (caughtUp > 0) this.samples.splice(0, caughtUp);
    // Keep the oldest sample (it defines the lag) and drop the ones after it.
    if (this.samples.length > MAX_SAMPLES) this.samples.splice(1, this.samples.length - MAX_SAMPLES);
    const oldest = this.samples[0];
    return oldest ? Math.max(0, (nowMs - oldest.atMs) / 1000) : 0;
  }

  reset(): void {
    this.samples = [];
  }
}
