// Per collection table, the stamps the embedded engine's caches are tagged with (doc-cache.ts).
// Stamps come from one process-wide counter, so a stamp is never reused and a cache entry tagged
// with one is valid exactly while its table still has it.

export class Stamps {
  /**
   * Results: a new stamp whenever the table's content may have changed: after every write (kept
   * or rolled back) by this process, and when another process's commit shows in the versions table.
   */
  private readonly results = new Map<string, number>();
  /**
   * Documents, which this process's own writes invalidate one by one (onRowWritten): a new stamp
   * only when another process wrote, a write was rolled back, or the table was dropped.
   */
  private readonly docs = new Map<string, number>();
  private clock = 0;

  private of(stamps: Map<string, number>, table: string): number {
    let stamp = stamps.get(table);
    if (stamp === undefined) stamps.set(table, (stamp = ++this.clock));
    return stamp;
  }

  result(table: string): number {
    return this.of(this.results, table);
  }

  doc(table: string): number {
    return this.of(this.docs, table);
  }

  /** This process wrote the table: its results may have changed. */
  written(table: string): void {
    this.results.set(table, ++this.clock);
  }

  /** Results and documents of the table may have changed. */
  renew(table: string): void {
    this.results.set(table, ++this.clock);
    this.docs.set(table, ++this.clock);
  }
}
