// Durable commits that do not hold the event loop (one process alone with the file).
//
// With synchronous=FULL, SQLite's COMMIT calls fsync itself, on the event loop: measured on this
// VM, 3 ms at the median, 21 ms at p99 and up to 70 ms, during which no other request (not even
// /ping) is served. Instead the store commits with synchronous=NORMAL (the WAL frames are written
// to the OS, not yet flushed) and this class flushes the WAL with fsync on libuv's thread pool. The
// guarantees stay those of FULL: a write is acknowledged only once an fsync that began after its
// commit has returned, and a read of a collection waits until every commit that wrote it is on
// disk, so no answer shows a write that a power cut could still undo. One fsync covers every commit
// before it (group commit); commits made while it runs wait for the next one.
//
// Checkpoints (copying the WAL into the database file) are this class's too: SQLite's automatic
// checkpoint runs inside a COMMIT and, with synchronous=NORMAL, fsyncs the WAL and the database
// file there, on the event loop (10–40 ms a time under a bulk write on this VM, measured). The
// store turns it off and, when one is due, stops starting write transactions, waits until every
// commit is on disk, runs a checkpoint without syncs (every frame it copies is already durable),
// and fsyncs the database file on the thread pool before the next write transaction: that write
// may restart the WAL over frames whose pages the file does not have on disk yet.
import { fstatSync, fsync, fsyncSync, openSync, closeSync } from 'node:fs';
import { promisify } from 'node:util';

const fsyncAsync = promisify(fsync);
/** a checkpoint is due after this many commits, or this long after the last, or this much WAL growth */
const CHECKPOINT_COMMITS = 100;
const CHECKPOINT_MS = 250;
const CHECKPOINT_WAL_GROWTH = 4 * 1024 * 1024;

/** The marker of a commit that changed the catalog: every read waits for it. */
const ALL = '';

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class Durability {
  private readonly walPath: string;
  private readonly dbPath: string;
  private fd: number | undefined;
  private dbFd: number | undefined;
  private commitsSinceCheckpoint = 0;
  private lastCheckpoint = Date.now();
  private walSizeAtCheckpoint = 0;
  private walSize = 0;
  private checkpointRunning = false;
  /** commits so far, and how many of them are known to be on disk */
  private seq = 0;
  private synced = 0;
  private flushing = false;
  /** per table, the last commit that wrote it and is not on disk yet */
  private readonly tables = new Map<string, number>();
  private waiters: Waiter[] = [];
  private failure: unknown;
  private closed = false;

  constructor(walPath: string, dbPath: string) {
    this.walPath = walPath;
    this.dbPath = dbPath;
  }

  /** Whether the WAL should be copied into the database file before the next write transaction. */
  checkpointDue(): boolean {
    if (this.commitsSinceCheckpoint === 0) return false;
    return this.commitsSinceCheckpoint >= CHECKPOINT_COMMITS || Date.now() - this.lastCheckpoint >= CHECKPOINT_MS
      || this.walSize - this.walSizeAtCheckpoint >= CHECKPOINT_WAL_GROWTH;
  }

  /**
   * Whether the store's next write transaction must wait: a checkpoint runs, or one is due and
   * starts now (`copy`: the WAL copied without syncs). `resume` is called once it is over.
   */
  holdsCommits(copy: () => void, resume: () => void): boolean {
    if (this.checkpointRunning) return true;
    if (!this.checkpointDue()) return false;
    this.checkpointRunning = true;
    this.checkpoint(copy)
      .catch(() => undefined) // a failed checkpoint leaves the frames in the WAL, still valid
      .finally(() => {
        this.checkpointRunning = false;
        resume();
      });
    return true;
  }

  /**
   * Once every commit is on disk, runs `copy` (a checkpoint without syncs), then fsyncs the
   * database file off the event loop. No commit may start until this resolves.
   */
  async checkpoint(copy: () => void): Promise<void> {
    await this.pending();
    if (this.closed) return;
    copy();
    this.commitsSinceCheckpoint = 0;
    this.lastCheckpoint = Date.now();
    this.walSizeAtCheckpoint = this.walSize;
    await fsyncAsync(this.dbFd ??= openSync(this.dbPath, 'r'));
  }

  /** Records a commit that wrote these tables (`catalog`: it created or dropped some); its number. */
  committed(tables: Iterable<string>, catalog: boolean): number {
    const seq = ++this.seq;
    this.commitsSinceCheckpoint++;
    for (const t of tables) this.tables.set(t, seq);
    if (catalog) this.tables.set(ALL, seq);
    this.flush();
    return seq;
  }

  /** Resolves once commit `seq` is on disk. */
  whenDurable(seq: number): Promise<void> {
    if (seq <= this.synced) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
  }

  /**
   * Undefined when every commit that wrote this table (or the catalog) is on disk, else when they
   * will be; without a table, every commit so far.
   */
  pending(table?: string): Promise<void> | undefined {
    if (this.synced === this.seq) return undefined;
    const seq = table === undefined ? this.seq : Math.max(this.tables.get(table) ?? 0, this.tables.get(ALL) ?? 0);
    return seq > this.synced ? this.whenDurable(seq) : undefined;
  }

  private flush(): void {
    if (this.flushing || this.synced === this.seq) return;
    this.flushing = true;
    const upTo = this.seq;
    let fd: number;
    try {
      fd = this.fd ??= openSync(this.walPath, 'r');
    } catch (e) {
      this.done(upTo, e);
      return;
    }
    fsync(fd, (err) => this.done(upTo, err ?? undefined));
  }

  private done(upTo: number, err: unknown): void {
    this.flushing = false;
    if (this.closed) {
      this.closeFd();
      return;
    }
    // a failed fsync leaves the state of the file unknown (the kernel may have dropped the dirty
    // pages): writes waiting for it fail, and so does every later one
    if (err !== undefined) this.failure ??= err;
    this.synced = Math.max(this.synced, upTo);
    // the file does not shrink when the WAL restarts: growth past its size is a lower bound of what was written
    if (err === undefined && this.fd !== undefined) this.walSize = fstatSync(this.fd).size;
    for (const [t, s] of this.tables) if (s <= upTo) this.tables.delete(t);
    const ready = this.waiters.filter((w) => w.seq <= upTo);
    this.waiters = this.waiters.filter((w) => w.seq > upTo);
    for (const w of ready) (this.failure === undefined ? w.resolve() : w.reject(this.failure));
    this.flush();
  }

  /** At close: flushes whatever is not on disk yet, holding the thread. */
  close(): void {
    const inFlight = this.flushing;
    if (this.synced !== this.seq && this.fd !== undefined) fsyncSync(this.fd);
    this.done(this.seq, undefined);
    this.closed = true;
    // an fsync still running on the thread pool closes the file when it returns
    if (!inFlight) this.closeFd();
  }

  private closeFd(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    if (this.dbFd !== undefined) closeSync(this.dbFd);
    this.dbFd = undefined;
  }

  /** At close, with a checkpoint's fsync of the database file perhaps still running: makes sure of it. */
  syncDatabaseFile(): void {
    if (this.checkpointRunning && this.dbFd !== undefined) fsyncSync(this.dbFd);
  }
}
