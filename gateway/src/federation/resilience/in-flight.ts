/**
 * The identical subgraph fetches in flight (deduplicate_query), keyed by the headers that make a
 * fetch another one (identity, propagated headers) and then by its body. Two levels rather than one
 * key of body + headers: joining them copied the whole body into a new string on every fetch that
 * carries an identity, i.e. every fetch of an authenticated request.
 */
export class InFlightTable<T> {
  private readonly byHeaders = new Map<string, Map<string, T>>();

  get(headersKey: string, body: string): T | undefined {
    return this.byHeaders.get(headersKey)?.get(body);
  }

  set(headersKey: string, body: string, entry: T): void {
    let bodies = this.byHeaders.get(headersKey);
    if (bodies === undefined) {
      bodies = new Map();
      this.byHeaders.set(headersKey, bodies);
    }
    bodies.set(body, entry);
  }

  /** Forgets the fetch if `entry` is still the one in flight under these keys (a newer one stays). */
  deleteIf(headersKey: string, body: string, entry: T): void {
    const bodies = this.byHeaders.get(headersKey);
    if (bodies?.get(body) !== entry) return;
    bodies.delete(body);
    // One map per identity with something in flight, none kept for identities that are done.
    if (bodies.size === 0) this.byHeaders.delete(headersKey);
  }
}
