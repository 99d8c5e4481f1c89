// Worker threads for the in-memory part of embedded aggregations (aggregate-worker.ts). A few
// workers serve every engine of the process; jobs beyond them wait in line. A job past its
// deadline ends its worker (a synchronous mingo call cannot be interrupted otherwise), and the
// next job starts a new one. Idle workers do not keep the process alive.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { EngineError } from '../../errors.ts';
import { timeLimitExceeded } from './time-limit.ts';
import type { WorkerJob, WorkerReply } from './aggregate-worker.ts';

// at least two: one long aggregation (up to its time limit) must not hold up every other
const MAX_WORKERS = Math.max(2, Math.min(4, availableParallelism() - 1));
/** heap of one worker: the input is at most MAX_INPUT_BYTES of BSON (aggregate.ts) */
const WORKER_HEAP_MB = 1024;

interface Pending {
  job: WorkerJob;
  deadline: number;
  resolve: (chunks: Uint8Array[]) => void;
  reject: (e: unknown) => void;
}

const idle: Worker[] = [];
const queue: Pending[] = [];
let running = 0;

function spawn(): Worker {
  return new Worker(new URL('./aggregate-worker.ts', import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
}

function transferables(job: WorkerJob): ArrayBuffer[] {
  const all = [job.pipeline, ...job.source, ...job.lookups.flatMap(([, c]) => c)];
  return all.map((c) => c.buffer as ArrayBuffer);
}

function next(): void {
  while (queue.length && (idle.length || running < MAX_WORKERS)) {
    const p = queue.shift()!;
    if (Date.now() >= p.deadline) {
      p.reject(timeLimitExceeded());
      continue;
    }
    start(p, idle.pop() ?? spawn());
  }
}

function start(p: Pending, worker: Worker): void {
  running++;
  worker.ref();
  let settled = false;
  const finish = (keep: boolean) => {
    settled = true;
    clearTimeout(timer);
    worker.removeAllListeners('message');
    worker.removeAllListeners('error');
    worker.removeAllListeners('exit');
    running--;
    if (keep) {
      worker.unref();
      idle.push(worker);
    } else {
      void worker.terminate();
    }
    next();
  };
  const timer = setTimeout(() => {
    if (settled) return;
    finish(false);
    p.reject(timeLimitExceeded());
  }, Math.max(0, p.deadline - Date.now()));
  worker.on('message', (reply: WorkerReply) => {
    finish(true);
    if (reply.ok) p.resolve(reply.chunks);
    else p.reject(new EngineError(reply.code, reply.codeName, reply.message));
  });
  worker.on('error', (e: Error & { code?: string }) => {
    if (settled) return;
    finish(false);
    p.reject(e.code === 'ERR_WORKER_OUT_OF_MEMORY'
      ? new EngineError(146, 'ExceededMemoryLimit', 'the aggregation exceeded the memory of the embedded engine\'s aggregation worker')
      : e);
  });
  worker.on('exit', () => {
    if (settled) return;
    finish(false);
    p.reject(new EngineError(1, 'InternalError', 'the aggregation worker stopped'));
  });
  worker.postMessage(p.job, transferables(p.job));
}

/** Runs the job on a worker; the result documents as BSON chunks. Throws MaxTimeMSExpired past the deadline. */
export function runOnWorker(job: WorkerJob, deadline: number): Promise<Uint8Array[]> {
  return new Promise((resolve, reject) => {
    queue.push({ job, deadline, resolve, reject });
    next();
  });
}
