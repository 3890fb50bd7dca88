// The subgraph data sources of a running gateway, kept across supergraph and config reloads: a
// subgraph's circuit breaker, its instances' ejections and its retry budget describe the subgraph,
// not one loaded supergraph, so a reload that leaves a subgraph's URLs and traffic settings as they
// were keeps its data source (and what it learned). A subgraph whose URLs or settings changed gets
// a new one; the replaced one is closed with the registry.
import type { Logger } from 'pino';
import type { SubgraphTraffic } from './config.ts';
import { SubgraphDataSource, SubgraphPools } from './subgraph-data-source.ts';

export class SubgraphSources {
  readonly #pools = new SubgraphPools();
  readonly #current = new Map<string, { key: string; source: SubgraphDataSource }>();
  readonly #replaced: SubgraphDataSource[] = [];

  constructor(
    private readonly logger: Logger,
    private readonly requestIdHeader: string | undefined,
  ) {}

  /** The data source for `name` at `targets` with `traffic`: the existing one when nothing changed. */
  get(name: string, targets: readonly string[], traffic: SubgraphTraffic): SubgraphDataSource {
    const key = JSON.stringify([targets, traffic]);
    const existing = this.#current.get(name);
    if (existing?.key === key) return existing.source;
    if (existing) this.#replaced.push(existing.source);
    const source = new SubgraphDataSource(name, targets, this.#pools, traffic, this.logger, { requestIdHeader: this.requestIdHeader });
    this.#current.set(name, { key, source });
    return source;
  }

  /** Stops health checks and closes every connection pool. */
  async close(): Promise<void> {
    for (const source of [...this.#replaced, ...[...this.#current.values()].map((entry) => entry.source)]) source.close();
    this.#current.clear();
    this.#replaced.length = 0;
    await this.#pools.close();
  }
}
