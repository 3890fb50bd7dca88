/** Look-ups of the edge cache by subgraph, type (`Query` for root fetches) and result, for metrics. */
export type CacheResult = 'hit' | 'miss' | 'error';

export class CacheStats {
  readonly #counts = new Map<string, { subgraph: string; type: string; result: CacheResult; count: number }>();

  add(subgraph: string, type: string, result: CacheResult, count = 1): void {
    if (count === 0) return;
    const key = `${subgraph}\u0000${type}\u0000${result}`;
    const entry = this.#counts.get(key);
    if (entry) entry.count += count;
    else this.#counts.set(key, { subgraph, type, result, count });
  }

  /** Every (subgraph, type, result) counted so far. */
  entries(): Iterable<{ readonly subgraph: string; readonly type: string; readonly result: CacheResult; readonly count: number }> {
    return this.#counts.values();
  }

  /** The total of one result (tests, bench). */
  total(result: CacheResult): number {
    let sum = 0;
    for (const entry of this.#counts.values()) if (entry.result === result) sum += entry.count;
    return sum;
  }
}
