// The registry's rules: what a publish or a rollback must pass before it becomes the current
// version. A publish replaces (or adds) one subgraph in the current set; the set is composed, and
// the result compared with the current supergraph as clients see it: a set that does not compose is
// refused, and so is one with breaking changes unless forced (then recorded as forced). Nothing is
// written for a refusal. Two writers racing: the store's compare-and-set lets one through; the other
// re-reads the new current version, composes and checks again on top of it, up to `attempts` times,
// so neither publish is lost (past the attempts it is refused with a conflict, nothing written).
import { ApiSchemaError } from './api-schema.ts';
import { checkSupergraphs, type CheckedChange, type CheckReport } from './check.ts';
import { composeSubgraphs, type CompositionIssue } from './compose.ts';
import { supergraphHash, type RegisteredSubgraph, type RegistryStore, type VersionRecord } from './registry-store.ts';

export interface PublishRequest {
  subgraph: RegisteredSubgraph;
  /** Accept breaking changes (the caller checked the `force` role). */
  force: boolean;
  identity: string;
  note?: string;
}

export type PublishOutcome =
  | { status: 'published'; version: number; hash: string; report: CheckReport | undefined; forced: boolean }
  | { status: 'unchanged'; version: number; hash: string }
  | { status: 'composition_failed'; errors: CompositionIssue[] }
  | { status: 'breaking'; changes: CheckedChange[]; report: CheckReport }
  /** The current version is no loadable supergraph (written past the registry): nothing to check against. */
  | { status: 'current_invalid'; version: number; reason: string }
  | { status: 'conflict'; attempts: number };

export type RollbackOutcome =
  | { status: 'rolled_back'; version: number; hash: string; to: number }
  | { status: 'not_found'; to: number }
  | { status: 'conflict'; attempts: number };

export class Registry {
  constructor(
    private readonly store: RegistryStore,
    private readonly attempts: number,
    /** Told when a write lost the race to `winner` and is tried again on top of it. */
    private readonly onRaceLost: (winner: number) => void = () => {},
  ) {}

  async publish(request: PublishRequest): Promise<PublishOutcome> {
    const { subgraph } = request;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      const current = await this.store.current();
      const previous = current?.subgraphs.find((s) => s.name === subgraph.name);
      if (current !== undefined && previous?.sdl === subgraph.sdl && previous.routingUrl === subgraph.routingUrl) {
        return { status: 'unchanged', version: current.version, hash: current.hash };
      }
      const subgraphs = [...(current?.subgraphs.filter((s) => s.name !== subgraph.name) ?? []), subgraph].sort((a, b) => a.name.localeCompare(b.name));
      const composed = composeSubgraphs(subgraphs.map((s) => ({ ...s, source: `subgraph ${s.name}` })));
      if (!composed.ok) return { status: 'composition_failed', errors: composed.errors };
      let report: CheckReport | undefined;
      try {
        report = current === undefined ? undefined : checkSupergraphs(current.supergraph, composed.supergraphSdl);
      } catch (error) {
        if (!(error instanceof ApiSchemaError) || current === undefined) throw error;
        return { status: 'current_invalid', version: current.version, reason: error.message };
      }
      if (report !== undefined && report.breaking > 0 && !request.force) {
        return { status: 'breaking', changes: report.changes.filter((c) => c.severity === 'BREAKING'), report };
      }
      const forced = request.force && report !== undefined && report.breaking > 0;
      const hash = supergraphHash(composed.supergraphSdl);
      const written = await this.store.write(current?.version ?? 0, {
        hash,
        createdAt: new Date().toISOString(),
        identity: request.identity,
        action: 'publish',
        subgraph: subgraph.name,
        forced,
        ...(request.note ? { note: request.note } : {}),
        ...(report ? { changes: { breaking: report.breaking, dangerous: report.dangerous, safe: report.safe } } : {}),
        ...(forced ? { breakingChanges: breakingOf(report) } : {}),
        supergraph: composed.supergraphSdl,
        subgraphs,
      });
      if ('written' in written) return { status: 'published', version: written.written, hash, report, forced };
      this.onRaceLost(written.conflict);
    }
    return { status: 'conflict', attempts: this.attempts };
  }

  /** A new version holding version `to`'s subgraphs and supergraph (the history keeps everything). */
  async rollback(to: number, identity: string, note?: string): Promise<RollbackOutcome> {
    const target = await this.store.version(to);
    if (target === undefined) return { status: 'not_found', to };
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      const basedOn = await this.store.currentVersion();
      const written = await this.store.write(basedOn, {
        hash: target.hash,
        createdAt: new Date().toISOString(),
        identity,
        action: 'rollback',
        rolledBackTo: to,
        forced: false,
        ...(note ? { note } : {}),
        supergraph: target.supergraph,
        subgraphs: target.subgraphs,
      });
      if ('written' in written) return { status: 'rolled_back', version: written.written, hash: target.hash, to };
      this.onRaceLost(written.conflict);
    }
    return { status: 'conflict', attempts: this.attempts };
  }

  current(): Promise<VersionRecord | undefined> {
    return this.store.current();
  }

  version(version: number): Promise<VersionRecord | undefined> {
    return this.store.version(version);
  }

  history(limit: number) {
    return this.store.history(limit);
  }
}

function breakingOf(report: CheckReport | undefined) {
  return (report?.changes ?? []).filter((c) => c.severity === 'BREAKING').map(({ kind, coordinate, subgraphs }) => ({ kind, coordinate, subgraphs }));
}
