// A Dropwizard Timer, as RESTHeart's requestsMetricsCollector keeps one per label set: a count,
// the meter's rates (exponentially weighted 1/5/15-minute averages ticked every 5 s, and the mean
// rate since the timer was made) and duration quantiles. Recording costs one array store and a
// few additions; the work (ticks, sorting) happens when the figures are read.
//
// Quantiles come from the last RESERVOIR durations (Dropwizard's SlidingWindowReservoir) rather
// than its default exponentially decaying sample: the same size, no random numbers per request.

const TICK_MS = 5000;
const RESERVOIR = 1028;
const QUANTILES = [0.5, 0.75, 0.95, 0.98, 0.99, 0.999] as const;
// 1 - e^(-5 s / window)
const ALPHA = [1 - Math.exp(-5 / 60), 1 - Math.exp(-5 / 300), 1 - Math.exp(-5 / 900)] as const;

export class Timer {
  count = 0;
  private readonly start: number;
  private lastTick: number;
  /** events since the last tick */
  private uncounted = 0;
  /** per second: 1, 5 and 15 minutes; NaN until the first tick */
  private readonly rates = [Number.NaN, Number.NaN, Number.NaN];
  private readonly durations = new Float64Array(RESERVOIR);

  constructor(now: number) {
    this.start = now;
    this.lastTick = now;
  }

  /** `now` and `ms` from performance.now() */
  record(now: number, ms: number): void {
    if (now - this.lastTick >= TICK_MS) this.tick(now);
    this.durations[this.count % RESERVOIR] = ms;
    this.count++;
    this.uncounted++;
  }

  /** Dropwizard's EWMA ticks for the time passed; idle ticks decay in closed form. */
  private tick(now: number): void {
    const ticks = Math.floor((now - this.lastTick) / TICK_MS);
    if (ticks <= 0) return;
    this.lastTick += ticks * TICK_MS;
    const instant = this.uncounted / (TICK_MS / 1000);
    this.uncounted = 0;
    for (let i = 0; i < 3; i++) {
      const a = ALPHA[i]!;
      let r = this.rates[i]!;
      r = Number.isNaN(r) ? instant : r + a * (instant - r);
      this.rates[i] = r * (1 - a) ** (ticks - 1);
    }
  }

  /** [15 minutes, 5 minutes, 1 minute, overall] per second, in RESTHeart's order */
  ratesAt(now: number): [number, number, number, number] {
    this.tick(now);
    const r = (i: number) => (Number.isNaN(this.rates[i]!) ? 0 : this.rates[i]!);
    const elapsed = (now - this.start) / 1000;
    return [r(2), r(1), r(0), elapsed > 0 ? this.count / elapsed : 0];
  }

  /** Seconds at 0.5, 0.75, 0.95, 0.98, 0.99, 0.999 (Dropwizard's UniformSnapshot interpolation). */
  quantiles(): Array<[number, number]> {
    const n = Math.min(this.count, RESERVOIR);
    const sorted = this.durations.slice(0, n).sort();
    return QUANTILES.map((q) => {
      if (n === 0) return [q, 0];
      const pos = q * (n + 1);
      const i = Math.floor(pos);
      let v: number;
      if (pos < 1) v = sorted[0]!;
      else if (pos >= n) v = sorted[n - 1]!;
      else v = sorted[i - 1]! + (pos - i) * (sorted[i]! - sorted[i - 1]!);
      return [q, v / 1000];
    });
  }
}
