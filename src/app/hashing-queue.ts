/**
 * Password hashing is the most expensive thing an anonymous caller can make this server do
 * (scrypt: 32 MiB and ≈ 330 ms of a core per attempt, measured on the reference machine
 * with 2 shared cores). Unbounded, a flood of
 * wrong passwords queues behind itself and a real sign-in waits seconds (40 concurrent
 * attempts made one take 13.5 s). So at most a few hashes run at once and a bounded number
 * wait; when the line is full the attempt is refused at once (`Throttled`), never queued.
 */
import { Throttled } from './throttled.ts';

/**
 * Hashes running at once. Each is CPU-bound on one of libuv's 4 threads (shared with file
 * and DNS work) and needs 32 MiB; the reference machine has 2 cores, so 2 keeps both busy
 * without making file I/O wait for a thread.
 */
export const HASHES_AT_ONCE = 2;

/**
 * Hashes waiting for a slot. With 2 running at ≈ 330 ms each, 8 waiting is at most 4 rounds,
 * about 1.3 s of queue: a real sign-in behind a flood still answers in under 2 s. Waiting
 * work holds no scrypt memory (only a closure), so memory stays at 2 × 32 MiB.
 */
export const HASHES_WAITING = 8;

/** What a refused attempt is told: a full queue drains in about a second. */
export const HASHING_BUSY_RETRY_SECONDS = 1;

export class HashingQueue {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly atOnce = HASHES_AT_ONCE,
    private readonly maxWaiting = HASHES_WAITING,
  ) {}

  /** Runs `work` when a slot is free; refuses at once when `maxWaiting` are already waiting. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.atOnce) {
      if (this.waiting.length >= this.maxWaiting)
        throw new Throttled(
          HASHING_BUSY_RETRY_SECONDS,
          'too many sign-ins are being checked right now; retry in a moment',
        );
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.running++;
    try {
      return await work();
    } finally {
      // The slot passes straight to the next in line, so `running` never drops and rises again.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** For /metrics and tests: hashes running and waiting now. */
  get load() {
    return { running: this.running, waiting: this.waiting.length };
  }
}
