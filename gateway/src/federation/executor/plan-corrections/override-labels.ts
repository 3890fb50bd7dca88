import type { Supergraph } from '@apollo/federation-internals';

/** One request's draw of the supergraph's progressive-override labels. */
export interface OverrideDraw {
  /** Which labels are on, as a plan-cache key suffix ("10": first on, second off). */
  key: string;
  /** For `buildQueryPlan(operation, { overrideConditions })`. */
  conditions: Map<string, boolean>;
}

const PERCENT_LABEL = /^percent\((\d{1,3}(?:\.\d{1,8})?)\)$/;

/**
 * Progressive @override (`@override(from: "old", label: "percent(5)")`): @apollo/query-planner
 * starts every label at false and takes their values per plan; @apollo/gateway passes none, so a
 * labelled override is never in effect, even at percent(100). As Apollo Router does, each
 * `percent(N)` label is drawn per request, on with probability N%; other labels (which the router
 * sets from a coprocessor) stay off. Built once per supergraph; undefined when it has no
 * percentage label, and then nothing is drawn.
 */
export class OverrideLabels {
  private constructor(private readonly labels: ReadonlyArray<{ label: string; percent: number }>) {}

  static build(supergraph: Supergraph): OverrideLabels | undefined {
    const joinField = supergraph.schema.directives().find((directive) => directive.name === 'join__field');
    const labels = new Map<string, number>();
    for (const application of joinField?.applications() ?? []) {
      const label: unknown = application.arguments()['overrideLabel'];
      const percent = typeof label === 'string' ? PERCENT_LABEL.exec(label)?.[1] : undefined;
      if (percent !== undefined && typeof label === 'string') labels.set(label, Number(percent));
    }
    return labels.size === 0 ? undefined : new OverrideLabels([...labels].map(([label, percent]) => ({ label, percent })));
  }

  /** `random` returns a number in [0, 1), as Math.random. */
  draw(random: () => number = Math.random): OverrideDraw {
    let key = '';
    const conditions = new Map<string, boolean>();
    for (const { label, percent } of this.labels) {
      const on = random() * 100 < percent;
      key += on ? '1' : '0';
      conditions.set(label, on);
    }
    return { key, conditions };
  }
}
