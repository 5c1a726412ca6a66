// The event log of a simulation, kept as a running hash plus the most recent lines. Two runs with
// the same seed must produce the same hash; when they do not, the recent lines show where.

export class SimTrace {
  #hash = 0x811c9dc5;
  #count = 0;
  #recent: string[] = [];
  readonly #recentMax: number;

  constructor(options: { recentMax?: number } = {}) {
    this.#recentMax = options.recentMax ?? 1000;
  }

  record(line: string): void {
    this.#count++;
    let hash = this.#hash;
    for (let i = 0; i < line.length; i++) {
      hash ^= line.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193);
    }
    this.#hash = Math.imul(hash ^ 0x0a, 0x01000193) >>> 0; // line separator
    if (this.#recentMax > 0) this.#recent[(this.#count - 1) % this.#recentMax] = line;
  }

  /** FNV-1a over every line so far, with the line count, e.g. "1a2b3c4d/1200". */
  get digest(): string {
    return `${this.#hash.toString(16).padStart(8, "0")}/${this.#count}`;
  }

  get count(): number {
    return this.#count;
  }

  /** The last recentMax lines, oldest first. */
  recent(): string[] {
    if (this.#count <= this.#recentMax) return this.#recent.slice();
    const start = this.#count % this.#recentMax;
    return [...this.#recent.slice(start), ...this.#recent.slice(0, start)];
  }
}
