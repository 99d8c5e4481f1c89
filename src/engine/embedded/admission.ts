// Cache admission by frequency (the doorkeeper of TinyLFU, Einziger & Friedman): once a cache is
// full, an entry is kept only when it was asked for recently at least twice.
//
// Why: with random reads over a collection larger than the document cache (100k documents, 10k
// entries) nearly every read is a miss, and caching each one made parsed documents survive young
// collections and die in the old generation: 10 random documents by an index cost 213–240 µs of
// CPU when every read was cached, 137–141 µs with this admission (4% of the misses kept) and
// 87–125 µs with no cache at all (engine-level runs, V8's --trace-gc-nvp: 270 MB promoted → 14).
// Popular documents are still kept. Hand-written: the npm caches (lru-cache, mnemonist) have no
// admission policy, and this is 70 lines.

/** FNV-1a over a string's UTF-16 code units, then murmur3's finaliser: FNV alone leaves the low bits of keys that differ in their last bytes (ObjectIds) alike. */
export function hashString(s: string): number {
  return finish(fnv(0x811c9dc5, s));
}

/** hashString(`${a}/${b}`), without building that string. */
export function hashPair(a: string, b: string): number {
  return finish(fnv(Math.imul(fnv(0x811c9dc5, a) ^ 0x2f, 0x01000193), b));
}

function fnv(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h;
}

function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const WAYS = 4;

/**
 * Approximate counts of recent requests per hash: a count-min sketch of four-bit counters (kept in
 * bytes) halved every `sample` increments, so that yesterday's popular entries fade.
 */
export class FrequencySketch {
  private readonly counters: Uint8Array;
  /** the counters as words, for halving */
  private readonly words: Uint32Array;
  private readonly mask: number;
  private readonly sample: number;
  private additions = 0;

  /**
   * `capacity`: the cache's entry count. Counts halve every `capacity` requests: over a longer
   * window a uniformly random read of a large collection finds most keys asked for before, and
   * admitting half of them cost nearly as much as admitting all (measured).
   */
  constructor(capacity: number) {
    let size = 1024;
    while (size < capacity * 16) size *= 2;
    this.counters = new Uint8Array(size);
    this.words = new Uint32Array(this.counters.buffer);
    this.mask = size - 1;
    this.sample = capacity;
  }

  private slot(hash: number, way: number): number {
    // double hashing: four independent-enough positions from one 32-bit hash
    return (hash + Math.imul(way, (hash >>> 16) | 1)) & this.mask;
  }

  increment(hash: number): void {
    let added = false;
    for (let w = 0; w < WAYS; w++) {
      const i = this.slot(hash, w);
      const c = this.counters[i]!;
      if (c < 15) {
        this.counters[i] = c + 1;
        added = true;
      }
    }
    if (added && ++this.additions >= this.sample) this.age();
  }

  frequency(hash: number): number {
    let min = 15;
    for (let w = 0; w < WAYS; w++) min = Math.min(min, this.counters[this.slot(hash, w)]!);
    return min;
  }

  /**
   * Halves every counter, four at a time: byte by byte, the walk over 256 KB every 10k requests was
   * 8% of the CPU of pages of cached documents (engine-level profile, 100 lookups a page).
   */
  private age(): void {
    const words = this.words;
    for (let i = 0; i < words.length; i++) words[i] = (words[i]! >>> 1) & 0x7f7f7f7f;
    this.additions = 0;
  }
}
