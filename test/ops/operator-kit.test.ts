import { createHash } from 'node:crypto';
// The operator kit (issue 12 part 4): ops/grafana/tollgate-dashboard.json and
// ops/prometheus/tollgate-alerts.yml, checked against the code instead of trusted by eye.
//  - Both files parse: the rules with `yaml`, in the shape Prometheus's strict loader takes; the
//    dashboard as an importable Grafana dashboard (a DS_PROMETHEUS input, panels on the grid).
//  - Every PromQL expression (alert exprs, panel targets, the variables' label_values selectors)
//    parses with the Prometheus project's own grammar (@prometheus-io/lezer-promql), Grafana's
//    variables replaced first.
//  - Every metric, label and label value those expressions name is exported by a real gateway's
//    /metrics after traffic that makes each series appear: two real gateways over real subgraphs,
//    one healthy (the shared Redis under a key prefix of its own, a real JWKS over HTTP, a subgraph
//    answering 500 once) and one failing (its JWKS a dead port, its own redis-server killed, a broken
//    supergraph written to its file), so the failure series (JWKS errors, Redis errors, quota store
//    down, store_error, a refused reload) exist too. rate()
//    reads counters only; histogram_quantile reads _bucket series grouped by le.
// The checker itself is tested on mutated expressions, so each of its checks can fail.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parser } from '@prometheus-io/lezer-promql';
import { parse as parseYaml } from 'yaml';
import type { JwsAlgorithm } from '../../gateway/src/auth/config.ts';
import { ERROR_CODES } from '../../gateway/src/core/errors.ts';
import type { GatewayConfigInput } from '../../gateway/src/config/schema.ts';
import type { RunningGateway } from '../../gateway/src/gateway.ts';
import { deadUrl, makeKey, signToken, startJwksServer, type JwksServer, type TestKey } from '../gateway/auth/helpers.ts';
import { apiKeysFor, OwnRedis, SHOP_SDL, startShopSubgraph } from '../gateway/quota/helpers.ts';
import { startFixtureSubgraph, type FixtureSubgraph } from '../support/fixture-subgraph.ts';
import { composeForTest, postGraphQL, startTestGateway } from '../support/gateway.ts';
import { connectTestRedis, deletePrefix, REDIS_URL, uniquePrefix } from '../support/redis.ts';

const DASHBOARD_FILE = new URL('../../ops/grafana/tollgate-dashboard.json', import.meta.url);
const RULES_FILE = new URL('../../ops/prometheus/tollgate-alerts.yml', import.meta.url);

// ------------------------------------------------------------------------------------------------
// PromQL: parse, and collect what an expression names.

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

interface Matcher {
  label: string;
  op: string;
  value: string;
}

interface Selector {
  metric: string;
  matchers: Matcher[];
}

interface Analysis {
  /** Syntax errors, and selectors without a metric name this checker can read. */
  errors: string[];
  selectors: Selector[];
  /** Labels an aggregation groups by (or an on/ignoring clause matches on), with the metrics under it. */
  groupings: Array<{ labels: string[]; metrics: string[] }>;
  /** Metrics read through rate(), increase() and the like: they must be counters (or histogram parts). */
  rated: Array<{ fn: string; metrics: string[] }>;
  /** histogram_quantile's second argument: the metrics under it, and the grouping of each aggregation. */
  quantiles: Array<{ metrics: string[]; groupings: string[][] }>;
  /** Range functions whose first argument is not a range (matrix selector or subquery). */
  notRange: string[];
}

const RANGE_FUNCTIONS = new Set(['rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'changes', 'resets', 'predict_linear']);
const COUNTER_FUNCTIONS = new Set(['rate', 'irate', 'increase', 'resets']);

const children = (node: SyntaxNode): SyntaxNode[] => {
  const list: SyntaxNode[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) list.push(child);
  return list;
};
const child = (node: SyntaxNode, name: string): SyntaxNode | undefined => children(node).find((c) => c.name === name);

function descendants(node: SyntaxNode, name: string): SyntaxNode[] {
  const found: SyntaxNode[] = [];
  const walk = (n: SyntaxNode) => {
    if (n.name === name) found.push(n);
    for (const c of children(n)) walk(c);
  };
  walk(node);
  return found;
}

function unquote(literal: string): string {
  if (literal.startsWith('"')) return JSON.parse(literal) as string;
  return literal.slice(1, -1);
}

/** Parses one PromQL expression and collects its selectors, groupings and function arguments. */
function analysePromQL(expr: string): Analysis {
  const tree = parser.parse(expr);
  const text = (node: SyntaxNode) => expr.slice(node.from, node.to);
  const analysis: Analysis = { errors: [], selectors: [], groupings: [], rated: [], quantiles: [], notRange: [] };
  tree.iterate({
    enter(node) {
      // The first error only: the ones after it follow from it.
      if (node.type.isError && analysis.errors.length === 0) analysis.errors.push(`syntax error at ${node.from}: ${JSON.stringify(expr.slice(Math.max(0, node.from - 20), node.from + 20))}`);
    },
  });
  const selectorOf = (node: SyntaxNode): Selector | undefined => {
    const matchers: Matcher[] = [];
    for (const m of descendants(node, 'UnquotedLabelMatcher')) {
      const label = child(m, 'LabelName');
      const op = child(m, 'MatchOp');
      const value = child(m, 'StringLiteral');
      if (label && op && value) matchers.push({ label: text(label), op: text(op), value: unquote(text(value)) });
    }
    if (descendants(node, 'QuotedLabelMatcher').length > 0 || descendants(node, 'QuotedLabelName').length > 0) return undefined;
    const identifier = child(node, 'Identifier');
    const byName = matchers.find((m) => m.label === '__name__' && m.op === '=');
    const metric = identifier ? text(identifier) : byName?.value;
    return metric === undefined ? undefined : { metric, matchers: matchers.filter((m) => m.label !== '__name__') };
  };
  const metricsUnder = (node: SyntaxNode): string[] =>
    descendants(node, 'VectorSelector')
      .map(selectorOf)
      .filter((s): s is Selector => s !== undefined)
      .map((s) => s.metric);

  for (const node of descendants(tree.topNode, 'VectorSelector')) {
    const selector = selectorOf(node);
    if (selector === undefined) analysis.errors.push(`a selector without a literal metric name: ${text(node)}`);
    else analysis.selectors.push(selector);
  }
  for (const node of descendants(tree.topNode, 'AggregateExpr')) {
    const grouping = child(child(node, 'AggregateModifier') ?? node, 'GroupingLabels');
    if (grouping) analysis.groupings.push({ labels: children(grouping).map(text), metrics: metricsUnder(node) });
  }
  for (const node of descendants(tree.topNode, 'BinaryExpr')) {
    const grouping = child(child(node, 'MatchingModifierClause') ?? node, 'GroupingLabels');
    if (grouping) analysis.groupings.push({ labels: children(grouping).map(text), metrics: metricsUnder(node) });
  }
  for (const node of descendants(tree.topNode, 'FunctionCall')) {
    const identifier = child(node, 'FunctionIdentifier');
    const body = child(node, 'FunctionCallBody');
    if (!identifier || !body) continue;
    const fn = text(identifier);
    const args = children(body);
    if (RANGE_FUNCTIONS.has(fn) || fn.endsWith('_over_time')) {
      if (!args.some((arg) => arg.name === 'MatrixSelector' || arg.name === 'SubqueryExpr')) analysis.notRange.push(text(node));
    }
    if (COUNTER_FUNCTIONS.has(fn)) analysis.rated.push({ fn, metrics: metricsUnder(body) });
    if (fn === 'histogram_quantile' && args[1]) {
      const groupings = descendants(args[1], 'AggregateExpr').map((agg) => {
        const labels = child(child(agg, 'AggregateModifier') ?? agg, 'GroupingLabels');
        return labels ? children(labels).map(text) : [];
      });
      analysis.quantiles.push({ metrics: metricsUnder(args[1]), groupings });
    }
  }
  return analysis;
}

// ------------------------------------------------------------------------------------------------
// Grafana: variables, and the expressions of a dashboard.

/** Grafana's own variables; `$__rate_interval` and the like stand where a duration goes. */
const GRAFANA_DURATIONS = new Set(['__rate_interval', '__interval', '__range']);
const VARIABLE = /\$\{([A-Za-z0-9_]+)(?::[^}]*)?\}|\$([A-Za-z0-9_]+)/g;

function variablesIn(expr: string): string[] {
  return [...expr.matchAll(VARIABLE)].map((m) => (m[1] ?? m[2])!);
}

/**
 * Replaces Grafana variables by what Prometheus gets there: a duration for `$__rate_interval` and
 * the like; for the dashboard's own (in label matchers) a regex, as an "All" or multi-value choice
 * sends, which the value check then leaves alone.
 */
function substituteVariables(expr: string): string {
  return expr.replace(VARIABLE, (_all, braced: string | undefined, bare: string | undefined) => (GRAFANA_DURATIONS.has((braced ?? bare)!) ? '5m' : '.+'));
}

interface Query {
  /** Where it is: the alert, or the panel and target, or the variable. */
  where: string;
  /** As written in the file. */
  written: string;
  /** What is parsed: Grafana variables replaced. */
  expr: string;
}

interface Dashboard {
  __inputs: Array<{ name: string; type: string; pluginId: string }>;
  __requires: Array<{ type: string; id: string }>;
  schemaVersion: number;
  uid: string;
  title: string;
  id: unknown;
  panels: Panel[];
  templating: { list: Variable[] };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: Array<{ expr: string; refId: string; datasource?: { type: string; uid: string } }>;
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  datasource?: { type: string; uid: string };
  definition?: string;
  query: string | { query: string };
}

/** label_values(selector, label): the selector (PromQL) and the label a variable lists. */
function labelValuesQuery(variable: Variable): { selector: string; label: string } {
  const query = typeof variable.query === 'string' ? variable.query : variable.query.query;
  const match = /^label_values\((.+),\s*([A-Za-z_][A-Za-z0-9_]*)\)$/.exec(query.trim());
  assert.ok(match, `variable ${variable.name}: expected label_values(<selector>, <label>), got ${query}`);
  return { selector: match[1]!, label: match[2]! };
}

function dashboardQueries(dashboard: Dashboard): Query[] {
  const queries: Query[] = [];
  const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  for (const panel of panels) {
    for (const target of panel.targets ?? []) {
      queries.push({ where: `panel "${panel.title}" target ${target.refId}`, written: target.expr, expr: substituteVariables(target.expr) });
    }
  }
  for (const variable of dashboard.templating.list) {
    const { selector } = labelValuesQuery(variable);
    queries.push({ where: `variable ${variable.name}`, written: selector, expr: substituteVariables(selector) });
  }
  return queries;
}

interface Rule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

function ruleQueries(rules: Rule[]): Query[] {
  return rules.map((rule) => ({ where: `alert ${rule.alert}`, written: rule.expr, expr: rule.expr }));
}

// ------------------------------------------------------------------------------------------------
// The exposition (text format) and the checks against it.

interface Exposition {
  /** `# TYPE name type` lines: what the gateway exports, observed yet or not. */
  types: Map<string, string>;
  /** Sample lines: metric name → the label sets seen, each with its value. */
  samples: Map<string, Array<{ labels: Record<string, string>; value: number }>>;
}

function parseExposition(...texts: string[]): Exposition {
  const exposition: Exposition = { types: new Map(), samples: new Map() };
  for (const text of texts) {
    for (const line of text.split('\n')) {
      const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)$/.exec(line);
      if (type) exposition.types.set(type[1]!, type[2]!);
      if (line === '' || line.startsWith('#')) continue;
      const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      assert.ok(sample, `not a sample line: ${line}`);
      const labels: Record<string, string> = {};
      for (const [, key, value] of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
      const list = exposition.samples.get(sample[1]!) ?? [];
      list.push({ labels, value: Number(sample[3]) });
      exposition.samples.set(sample[1]!, list);
    }
  }
  return exposition;
}

/**
 * The metric family a selector's name belongs to: the name itself when exported as such, or a
 * histogram's `_bucket`/`_sum`/`_count` series. A bare histogram name selects nothing: undefined.
 */
function family(exposition: Exposition, name: string): { base: string; type: string } | undefined {
  const type = exposition.types.get(name);
  if (type !== undefined) return type === 'histogram' ? undefined : { base: name, type };
  const suffix = /^(.+)_(bucket|sum|count)$/.exec(name);
  if (suffix && exposition.types.get(suffix[1]!) === 'histogram') return { base: suffix[1]!, type: 'histogram' };
  return undefined;
}

/** Labels Prometheus adds to every scraped series (the target's), never in /metrics itself. */
const TARGET_LABELS = new Set(['job', 'instance']);

interface CheckOptions {
  /** Values a label may be matched against though no sample shows them (the error registry's codes). */
  knownValues: Record<string, Set<string>>;
}

/** Everything wrong with these queries against this exposition, one line each; [] when all is well. */
function checkQueries(queries: Query[], exposition: Exposition, options: CheckOptions): string[] {
  const problems: string[] = [];
  const labelsOf = (metric: string) => new Set((exposition.samples.get(metric) ?? []).flatMap((s) => Object.keys(s.labels)));
  const valuesOf = (metric: string, label: string) => new Set((exposition.samples.get(metric) ?? []).map((s) => s.labels[label]).filter((v) => v !== undefined));
  for (const query of queries) {
    const at = `${query.where}: `;
    const analysis = analysePromQL(query.expr);
    for (const error of analysis.errors) problems.push(at + error);
    if (analysis.errors.length > 0) continue; // the rest of the tree is the parser's guess
    for (const fn of analysis.notRange) problems.push(`${at}${fn} needs a range vector`);
    for (const { metric, matchers } of analysis.selectors) {
      if (family(exposition, metric) === undefined) {
        problems.push(`${at}metric ${metric} is not exported (no # TYPE line for it, or for a histogram it is part of)`);
        continue;
      }
      if (!exposition.samples.has(metric)) problems.push(`${at}metric ${metric} has no sample after the traffic`);
      for (const { label, op, value } of matchers) {
        if (TARGET_LABELS.has(label)) continue;
        if (!labelsOf(metric).has(label)) {
          problems.push(`${at}${metric} has no label ${label}`);
          continue;
        }
        // A literal value, or an alternation of them: each must be one the gateway exports.
        if ((op === '=' || op === '=~') && /^[A-Za-z0-9_.:-]+(\|[A-Za-z0-9_.:-]+)*$/.test(value)) {
          for (const alternative of value.split('|')) {
            if (!valuesOf(metric, label).has(alternative) && !options.knownValues[label]?.has(alternative)) {
              problems.push(`${at}${metric}{${label}="${alternative}"}: no such value`);
            }
          }
        }
      }
    }
    for (const { labels, metrics } of analysis.groupings) {
      const available = new Set([...TARGET_LABELS, ...metrics.flatMap((m) => [...labelsOf(m)])]);
      for (const label of labels) if (!available.has(label)) problems.push(`${at}grouping label ${label} is on none of ${metrics.join(', ')}`);
    }
    for (const { fn, metrics } of analysis.rated) {
      for (const metric of metrics) {
        const type = family(exposition, metric)?.type;
        if (type !== undefined && type !== 'counter' && type !== 'histogram') problems.push(`${at}${fn}() over ${metric}, a ${type}`);
      }
    }
    for (const { metrics, groupings } of analysis.quantiles) {
      for (const metric of metrics) {
        if (!(metric.endsWith('_bucket') && family(exposition, metric)?.type === 'histogram')) problems.push(`${at}histogram_quantile over ${metric}, not a histogram's _bucket`);
      }
      for (const grouping of groupings) if (!grouping.includes('le')) problems.push(`${at}histogram_quantile: an aggregation drops le (by ${grouping.join(', ') || 'nothing'})`);
    }
  }
  return problems;
}

/** The metric families the queries name (histogram parts folded into their histogram). */
function familiesNamed(queries: Query[], exposition: Exposition): Set<string> {
  const names = new Set<string>();
  for (const query of queries) for (const { metric } of analysePromQL(query.expr).selectors) names.add(family(exposition, metric)?.base ?? metric);
  return names;
}

// ------------------------------------------------------------------------------------------------

const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
const rulesFile = parseYaml(readFileSync(RULES_FILE, 'utf8')) as { groups: Array<{ name: string; rules: Rule[] } & Record<string, unknown>> };
const rules = rulesFile.groups.flatMap((group) => group.rules);
const allQueries = [...ruleQueries(rules), ...dashboardQueries(dashboard)];

/** Codes a `code` label may be matched against: the registry's, and the outcomes that are not codes. */
const KNOWN_CODES = new Set([...Object.keys(ERROR_CODES), 'ok', 'ok_with_errors', 'client_aborted']);
const checkOptions: CheckOptions = { knownValues: { code: KNOWN_CODES } };

describe('operator kit: the files', () => {
  test('the alert rules file has the shape Prometheus loads', () => {
    // Prometheus reads rule files strictly: an unknown key is an error, so only these may appear.
    const GROUP_KEYS = new Set(['name', 'interval', 'limit', 'query_offset', 'labels', 'rules']);
    const RULE_KEYS = new Set(['alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations']);
    assert.deepEqual(Object.keys(rulesFile), ['groups']);
    assert.ok(rulesFile.groups.length > 0, 'at least one group');
    const names = new Set<string>();
    for (const group of rulesFile.groups) {
      assert.equal(typeof group.name, 'string');
      for (const key of Object.keys(group)) assert.ok(GROUP_KEYS.has(key), `group ${group.name}: unknown key ${key}`);
      assert.ok(Array.isArray(group.rules) && group.rules.length > 0, `group ${group.name} has rules`);
      for (const rule of group.rules) {
        for (const key of Object.keys(rule)) assert.ok(RULE_KEYS.has(key), `rule ${rule.alert}: unknown key ${key}`);
        assert.match(rule.alert, /^[A-Z][A-Za-z0-9]+$/);
        assert.ok(!names.has(rule.alert), `alert ${rule.alert} is defined twice`);
        names.add(rule.alert);
        assert.ok(typeof rule.expr === 'string' && rule.expr.trim() !== '', `${rule.alert}: expr`);
        assert.match(rule.for, /^(\d+(ms|s|m|h|d|w|y))+$/, `${rule.alert}: for is a Prometheus duration`);
        assert.ok(['critical', 'warning'].includes(rule.labels?.severity ?? ''), `${rule.alert}: labels.severity is critical or warning`);
        assert.ok(typeof rule.annotations?.summary === 'string' && rule.annotations.summary !== '', `${rule.alert}: annotations.summary`);
        assert.ok(typeof rule.annotations?.description === 'string' && rule.annotations.description !== '', `${rule.alert}: annotations.description`);
        for (const [key, value] of Object.entries(rule.annotations)) {
          assert.equal(value.split('{{').length, value.split('}}').length, `${rule.alert}: annotations.${key} has balanced {{ }}`);
        }
      }
    }
    // What issue 12 asks the rules to cover.
    for (const alert of ['TollgateHighErrorRatio', 'TollgateHighLatencyP99', 'TollgateSubgraphBreakerOpen', 'TollgateQuotaStoreDown', 'TollgateJwksFetchFailing']) {
      assert.ok(names.has(alert), `alert ${alert}`);
    }
  });

  test('the dashboard is an importable Grafana dashboard bound to a Prometheus input', () => {
    const DS = '${DS_PROMETHEUS}';
    assert.deepEqual(
      dashboard.__inputs.map(({ name, type, pluginId }) => ({ name, type, pluginId })),
      [{ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' }],
    );
    assert.ok(dashboard.schemaVersion >= 36 && dashboard.schemaVersion <= 41, `schemaVersion ${dashboard.schemaVersion}`);
    assert.equal(dashboard.id, null, 'id null: an import creates a new dashboard');
    assert.match(dashboard.uid, /^[a-zA-Z0-9_-]{1,40}$/);
    assert.ok(dashboard.title, 'a title');
    const required = new Set(dashboard.__requires.map((r) => `${r.type}:${r.id}`));
    assert.ok(required.has('datasource:prometheus'), '__requires names the prometheus datasource');

    const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
    const ids = panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
    const cells = new Map<string, string>();
    for (const panel of panels) {
      const { h, w, x, y } = panel.gridPos;
      assert.ok(w >= 1 && x >= 0 && x + w <= 24 && h >= 1 && y >= 0, `panel "${panel.title}" fits the 24-column grid`);
      for (let row = y; row < y + h; row++) {
        for (let col = x; col < x + w; col++) {
          const other = cells.get(`${row},${col}`);
          assert.equal(other, undefined, `panel "${panel.title}" overlaps "${other}"`);
          cells.set(`${row},${col}`, panel.title);
        }
      }
      if (panel.type === 'row') continue;
      assert.ok(required.has(`panel:${panel.type}`), `panel type ${panel.type} is in __requires`);
      assert.deepEqual(panel.datasource, { type: 'prometheus', uid: DS }, `panel "${panel.title}" uses the input datasource`);
      assert.ok((panel.targets ?? []).length > 0, `panel "${panel.title}" has targets`);
      const refIds = (panel.targets ?? []).map((t) => t.refId);
      assert.equal(new Set(refIds).size, refIds.length, `panel "${panel.title}": refIds unique`);
      for (const target of panel.targets ?? []) {
        assert.ok(typeof target.expr === 'string' && target.expr !== '', `panel "${panel.title}" target ${target.refId}: expr`);
        assert.deepEqual(target.datasource, { type: 'prometheus', uid: DS });
      }
    }

    // Variables: Prometheus queries on the input; each one used is defined before it is used.
    const defined = new Set<string>();
    for (const variable of dashboard.templating.list) {
      assert.equal(variable.type, 'query');
      assert.deepEqual(variable.datasource, { type: 'prometheus', uid: DS });
      for (const used of variablesIn(labelValuesQuery(variable).selector)) assert.ok(defined.has(used), `variable ${variable.name} uses $${used} before it is defined`);
      defined.add(variable.name);
    }
    for (const query of dashboardQueries(dashboard)) {
      for (const used of variablesIn(query.written)) assert.ok(defined.has(used) || GRAFANA_DURATIONS.has(used), `${query.where}: $${used} is not a dashboard variable`);
    }
  });

  test('every expression parses as PromQL', () => {
    assert.ok(allQueries.length > 40, `${allQueries.length} expressions`);
    const errors = allQueries.flatMap((query) => analysePromQL(query.expr).errors.map((e) => `${query.where}: ${e}`));
    assert.deepEqual(errors, []);
  });

  test('the dashboard and the rules cover what issue 12 asks for', () => {
    const named = (queries: Query[]) => new Set(queries.flatMap((q) => analysePromQL(q.expr).selectors.map((s) => s.metric)));
    const panels = named(dashboardQueries(dashboard));
    for (const metric of [
      'tollgate_requests_total',
      'tollgate_request_duration_seconds_bucket',
      'tollgate_errors_total',
      'tollgate_subgraph_fetch_duration_seconds_bucket',
      'tollgate_subgraph_errors_total',
      'tollgate_subgraph_breaker_open',
      'tollgate_subgraph_retries_total',
      'tollgate_quota_decisions_total',
      'tollgate_cost_estimated_sum',
      'tollgate_cost_actual_sum',
      'tollgate_document_cache_total',
      'tollgate_plan_cache_total',
      'tollgate_executor_operations_total',
      'tollgate_nodejs_eventloop_lag_p99_seconds',
      'tollgate_supergraph_info',
    ]) {
      assert.ok(panels.has(metric), `a panel reads ${metric}`);
    }
    // p50 and p99 by operation, quota refusals by profile and rule.
    const exprs = dashboardQueries(dashboard).map((q) => q.written.replace(/\s+/g, ' '));
    for (const q of ['0.5', '0.99']) assert.ok(exprs.some((e) => e.startsWith(`histogram_quantile(${q}, sum by (le, operation) (rate(tollgate_request_duration_seconds_bucket`)), `p${Number(q) * 100} by operation`);
    assert.ok(exprs.some((e) => e.startsWith('sum by (profile, rule) (rate(tollgate_quota_decisions_total{') && e.includes('decision="limited"')), 'quota refusals by profile and rule');
  });

  test('the server-error ratios (the alert and the panel) name exactly the registry\'s 5xx codes', () => {
    const serverCodes = Object.entries(ERROR_CODES).filter(([, entry]) => entry.status >= 500).map(([code]) => code).sort();
    const lists = allQueries.flatMap((query) =>
      analysePromQL(query.expr)
        .selectors.flatMap((s) => s.matchers)
        .filter((m) => m.label === 'code' && m.value.includes('INTERNAL_SERVER_ERROR'))
        .map((m) => ({ where: query.where, codes: m.value.split('|').sort() })),
    );
    assert.deepEqual(lists.map((l) => l.where), ['alert TollgateHighErrorRatio', 'panel "Server error ratio" target A']);
    for (const { where, codes } of lists) assert.deepEqual(codes, serverCodes, where);
  });

  test('the checker finds each kind of mistake (checked on a small exposition)', () => {
    const exposition = parseExposition(
      [
        '# TYPE app_requests_total counter',
        'app_requests_total{code="ok",operation="A"} 1',
        '# TYPE app_duration_seconds histogram',
        'app_duration_seconds_bucket{le="+Inf",operation="A"} 1',
        'app_duration_seconds_sum{operation="A"} 0.1',
        'app_duration_seconds_count{operation="A"} 1',
        '# TYPE app_up gauge',
        'app_up 1',
        '# TYPE app_unobserved_total counter',
      ].join('\n'),
    );
    const check = (expr: string) => checkQueries([{ where: 'q', written: expr, expr }], exposition, { knownValues: { code: new Set(['RATE_LIMITED']) } });
    // Good ones.
    assert.deepEqual(check('sum by (code) (rate(app_requests_total{job=~"x", code=~"ok|RATE_LIMITED"}[5m]))'), []);
    assert.deepEqual(check('histogram_quantile(0.99, sum by (le, operation) (rate(app_duration_seconds_bucket[5m])))'), []);
    assert.deepEqual(check('sum(rate(app_duration_seconds_sum[5m])) / sum(rate(app_duration_seconds_count[5m]))'), []);
    assert.deepEqual(check('max_over_time(app_up[5m]) == 1'), []);
    assert.deepEqual(check('{__name__="app_up"}'), []);
    // Each mistake, alone.
    assert.deepEqual(check('sum(rate(app_requests_total[5m])'), ['q: syntax error at 32: "_requests_total[5m])"']);
    assert.deepEqual(check('histogram_quantil(0.5, rate(app_duration_seconds_bucket[5m]))'), ['q: syntax error at 17: "histogram_quantil(0.5, rate(app_durat"']);
    assert.deepEqual(check('rate(app_request_total[5m])'), ['q: metric app_request_total is not exported (no # TYPE line for it, or for a histogram it is part of)']);
    assert.deepEqual(check('rate(app_duration_seconds[5m])'), ['q: metric app_duration_seconds is not exported (no # TYPE line for it, or for a histogram it is part of)']);
    assert.deepEqual(check('rate(app_up_bucket[5m])'), ['q: metric app_up_bucket is not exported (no # TYPE line for it, or for a histogram it is part of)']);
    assert.deepEqual(check('rate(app_unobserved_total[5m])'), ['q: metric app_unobserved_total has no sample after the traffic']);
    assert.deepEqual(check('app_requests_total{client="web"}'), ['q: app_requests_total has no label client']);
    assert.deepEqual(check('app_requests_total{code="RATE_LIMTED"}'), ['q: app_requests_total{code="RATE_LIMTED"}: no such value']);
    assert.deepEqual(check('app_requests_total{operation=~"A|B"}'), ['q: app_requests_total{operation="B"}: no such value']);
    assert.deepEqual(check('sum by (client) (rate(app_requests_total[5m]))'), ['q: grouping label client is on none of app_requests_total']);
    assert.deepEqual(check('app_up unless on (client) app_requests_total'), ['q: grouping label client is on none of app_up, app_requests_total']);
    assert.deepEqual(check('rate(app_up[5m])'), ['q: rate() over app_up, a gauge']);
    assert.deepEqual(check('rate(app_requests_total)'), ['q: rate(app_requests_total) needs a range vector']);
    assert.deepEqual(check('histogram_quantile(0.5, sum by (operation) (rate(app_duration_seconds_bucket[5m])))'), ['q: histogram_quantile: an aggregation drops le (by operation)']);
    assert.deepEqual(check('histogram_quantile(0.5, rate(app_duration_seconds_count[5m]))'), ["q: histogram_quantile over app_duration_seconds_count, not a histogram's _bucket"]);
    assert.deepEqual(check('{__name__=~"app_.*"}'), ['q: a selector without a literal metric name: {__name__=~"app_.*"}']);
    // Grafana variables are replaced before parsing; left in, $__rate_interval is a syntax error.
    assert.equal(substituteVariables('rate(app_requests_total{job=~"$job", x="${y:regex}"}[$__rate_interval])'), 'rate(app_requests_total{job=~".+", x=".+"}[5m])');
    assert.notDeepEqual(analysePromQL('rate(app_requests_total[$__rate_interval])').errors, []);
  });
});

describe('operator kit against real gateways\' /metrics', () => {
  const ISSUER = 'https://idp.ops.test';
  const DEAD_ISSUER = 'https://dead-idp.ops.test';
  const FLAKY_SDL = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"]) type Query { flaky: String }';
  const prefix = uniquePrefix('operator-kit');
  const apiKeys = apiKeysFor([{ clientId: 'acme', profile: 'partner' }]);
  let shop: FixtureSubgraph;
  let flaky: FixtureSubgraph;
  let jwks: JwksServer;
  let key: TestKey;
  let ownRedis: OwnRedis;
  let healthy: RunningGateway;
  let failing: RunningGateway;
  let healthyText: string;
  let failingText: string;
  let exposition: Exposition;

  const scrape = async (gateway: RunningGateway) => {
    const response = await fetch(`http://127.0.0.1:${gateway.port}/metrics`);
    assert.equal(response.status, 200);
    return response.text();
  };
  const config = (redisUrl: string, jwksUrl: string, issuer: string, onStoreFailure: 'fail_open' | 'fail_closed'): Omit<GatewayConfigInput, 'supergraph'> => ({
    authentication: {
      jwt: { jwks: [{ url: jwksUrl, issuers: [issuer], algorithms: ['ES256'] as JwsAlgorithm[], cooldown_s: 0 }] },
      api_keys: apiKeys.config,
    },
    demand_control: { enabled: true, mode: 'measure' },
    quotas: {
      on_store_failure: onStoreFailure,
      rules: [{ name: 'per-client', key: ['client'], requests: { limit: 1000, window_s: 3600 }, clients: { acme: { requests: { limit: 2, window_s: 3600 } } } }],
    },
    redis: { url: redisUrl, key_prefix: prefix, timeout_ms: 2000 },
    // A budget, so tollgate_memory_budget_bytes (absent without one) is exported for the memory alert.
    memory: { max_mb: 512 },
    // APQ shared in Redis, so tollgate_apq_redis_commands_total has samples for its panel.
    persisted_documents: { apq: { store: 'redis' } },
  });
  const items = 'query Items { items(first: 3) { id detail { text } } }';

  before(async () => {
    shop = await startShopSubgraph();
    flaky = await startFixtureSubgraph(FLAKY_SDL, { Query: { flaky: () => 'fine' } });
    key = await makeKey('ES256', 'ops-1');
    jwks = await startJwksServer([key.publicJwk]);
    const supergraph = composeForTest([
      { name: 'shop', routingUrl: shop.url, sdl: SHOP_SDL },
      { name: 'flaky', routingUrl: flaky.url, sdl: FLAKY_SDL },
    ]);
    healthy = await startTestGateway(supergraph, config(REDIS_URL, jwks.url, ISSUER, 'fail_open'));
    // The failure series: a JWKS URL nothing listens on, a Redis of the test's own (killed below),
    // and a supergraph file (overwritten below).
    ownRedis = await OwnRedis.start();
    failing = await startTestGateway(supergraph, config(ownRedis.url, await deadUrl(), DEAD_ISSUER, 'fail_closed'));

    // Healthy: queries (documents and plans cached, cost estimated and settled), a token (JWKS
    // fetched), an API key over its limit of 2 (refused by rule per-client), an invalid query, and a
    // subgraph answering 500 (a subgraph error, a partial result).
    for (let i = 0; i < 3; i++) assert.equal((await postGraphQL(healthy.url, { query: items }, { 'apollographql-client-name': 'web' })).status, 200);
    const token = await signToken(key, { iss: ISSUER, sub: 'u1' });
    assert.equal((await postGraphQL(healthy.url, { query: 'query Hello { hello }' }, { authorization: `Bearer ${token}` })).status, 200);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await postGraphQL(healthy.url, { query: 'query Hello { hello }' }, { 'x-api-key': apiKeys.keys.acme! })).status);
    assert.deepEqual(statuses, [200, 200, 429]);
    assert.equal((await postGraphQL(healthy.url, { query: '{ nope }' })).body.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED');
    flaky.behave({ kind: 'status', status: 500, body: 'down' });
    const partial = await postGraphQL(healthy.url, { query: 'query Flaky { flaky }' });
    flaky.behave({ kind: 'normal' });
    assert.equal(partial.status, 200);
    assert.equal(partial.body.data.flaky, null);
    // APQ: a hash alone (a Redis GET, a miss), then registered (a SET), then the hash alone again.
    const apq = { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(items).digest('hex') } };
    assert.equal((await postGraphQL(healthy.url, { extensions: apq })).body.errors[0].extensions.code, 'PERSISTED_QUERY_NOT_FOUND');
    assert.equal((await postGraphQL(healthy.url, { query: items, extensions: apq })).status, 200);
    healthyText = await scrape(healthy);

    // Failing: a token whose JWKS cannot be fetched (503 AUTHENTICATION_UNAVAILABLE); a query while
    // its Redis answers, then Redis killed: the next round trip fails, the store is marked failed,
    // and under fail_closed the request is refused (503 QUOTA_STORE_UNAVAILABLE, store_error). A few
    // requests at most are needed to see all of it and the refused reload (bounded; no timing asserted).
    const deadToken = await signToken(key, { iss: DEAD_ISSUER, sub: 'u1' });
    assert.equal((await postGraphQL(failing.url, { query: 'query Hello { hello }' }, { authorization: `Bearer ${deadToken}` })).body.errors[0].extensions.code, 'AUTHENTICATION_UNAVAILABLE');
    assert.equal((await postGraphQL(failing.url, { query: items })).status, 200);
    // And a new supergraph it refuses (hot reload; the last good one keeps serving).
    await writeFile(failing.config.supergraph.file!, 'this is not a supergraph');
    await ownRedis.kill();
    for (let i = 0; i < 50; i++) {
      await postGraphQL(failing.url, { query: items });
      failingText = await scrape(failing);
      const seen = [
        /^tollgate_quota_store_up\{[^}]*\} 0$/m,
        /^tollgate_redis_command_errors_total\{/m,
        /^tollgate_quota_decisions_total\{decision="store_error"/m,
        /^tollgate_supergraph_loads_total\{result="error"\} [1-9]/m,
      ];
      if (seen.every((line) => line.test(failingText))) break;
      await sleep(100);
    }
    exposition = parseExposition(healthyText, failingText);
  });

  after(async () => {
    await healthy?.stop();
    await failing?.stop();
    await ownRedis?.kill();
    await shop?.stop();
    await flaky?.stop();
    await jwks?.stop();
    const redis = connectTestRedis();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  test('the known traffic shows on the healthy gateway and the failures on the failing one', () => {
    const scrapes = { healthy: parseExposition(healthyText).samples, failing: parseExposition(failingText).samples };
    // [gateway, metric, labels the sample has (among others)]: each must have a value above 0.
    const expected: Array<[keyof typeof scrapes, string, Record<string, string>]> = [
      ['healthy', 'tollgate_requests_total', { operation: 'Items', client: 'web', code: 'ok' }],
      ['healthy', 'tollgate_requests_total', { operation: 'Flaky', code: 'ok_with_errors' }],
      ['healthy', 'tollgate_request_duration_seconds_bucket', { operation: 'Items', le: '+Inf' }],
      ['healthy', 'tollgate_errors_total', { code: 'GRAPHQL_VALIDATION_FAILED' }],
      ['healthy', 'tollgate_quota_decisions_total', { decision: 'limited', profile: 'partner', rule: 'per-client.requests' }],
      ['healthy', 'tollgate_quota_decisions_total', { decision: 'admitted', rule: 'none' }],
      ['healthy', 'tollgate_quota_store_up', {}],
      ['healthy', 'tollgate_redis_command_duration_seconds_bucket', { command: 'gcra', le: '+Inf' }],
      ['healthy', 'tollgate_subgraph_fetch_duration_seconds_bucket', { subgraph: 'shop', le: '+Inf' }],
      ['healthy', 'tollgate_subgraph_errors_total', { subgraph: 'flaky' }],
      ['healthy', 'tollgate_cost_estimated_count', {}],
      ['healthy', 'tollgate_cost_actual_count', {}],
      ['healthy', 'tollgate_document_cache_total', { result: 'hit' }],
      ['healthy', 'tollgate_plan_cache_total', { result: 'hit' }],
      ['healthy', 'tollgate_executor_operations_total', { executor: 'tollgate' }],
      ['healthy', 'tollgate_jwks_fetches_total', { result: 'ok' }],
      ['healthy', 'tollgate_supergraph_info', {}],
      ['healthy', 'tollgate_supergraph_loads_total', { result: 'ok' }],
      ['failing', 'tollgate_requests_total', { code: 'AUTHENTICATION_UNAVAILABLE' }],
      ['failing', 'tollgate_requests_total', { code: 'QUOTA_STORE_UNAVAILABLE' }],
      ['failing', 'tollgate_jwks_fetches_total', { result: 'error' }],
      ['failing', 'tollgate_quota_decisions_total', { decision: 'store_error' }],
      ['failing', 'tollgate_redis_command_errors_total', { command: 'gcra' }],
      ['failing', 'tollgate_supergraph_loads_total', { result: 'error' }],
    ];
    const missing = expected.filter(
      ([gateway, metric, labels]) => !(scrapes[gateway].get(metric) ?? []).some((s) => s.value > 0 && Object.entries(labels).every(([k, v]) => s.labels[k] === v)),
    );
    assert.deepEqual(missing, []);
    assert.match(healthyText, /^tollgate_quota_store_up\{[^}]*\} 1$/m, 'the shared Redis answers');
    assert.match(failingText, /^tollgate_quota_store_up\{[^}]*\} 0$/m, 'the killed Redis is marked failed');
  });

  test('every metric the kit names is exported by the healthy gateway (its # TYPE line)', () => {
    const own = parseExposition(healthyText);
    const missing = [...familiesNamed(allQueries, exposition)].filter((name) => !own.types.has(name)).sort();
    assert.deepEqual(missing, []);
  });

  test('every expression checks out against the scrape: metrics with samples, labels, values, functions', () => {
    assert.deepEqual(checkQueries(allQueries, exposition, checkOptions), []);
  });

  test('a mutated metric, label or value in the real files is caught against the same scrape', () => {
    const mutate = (from: string, to: string) =>
      allQueries.map((query) => {
        const written = query.written.replaceAll(from, to);
        return { ...query, written, expr: query.expr.replaceAll(from, to) };
      });
    const problems = checkQueries(mutate('tollgate_subgraph_errors_total', 'tollgate_subgraph_error_total'), exposition, checkOptions);
    // In the alert and the panel that read it, and nothing else (its labels are then unknown too).
    assert.deepEqual([...new Set(problems.map((p) => p.split(':')[0]))], ['alert TollgateSubgraphErrorRatio', 'panel "Subgraph errors by subgraph and code" target A']);
    assert.ok(problems.every((p) => p.includes('tollgate_subgraph_error_total')), problems.join('\n'));
    assert.ok(problems.some((p) => p.endsWith('metric tollgate_subgraph_error_total is not exported (no # TYPE line for it, or for a histogram it is part of)')), problems.join('\n'));
    assert.ok(checkQueries(mutate('by (profile, rule)', 'by (profile, policy)'), exposition, checkOptions).some((p) => p.includes('grouping label policy')), 'a label renamed');
    assert.ok(checkQueries(mutate('decision="limited"', 'decision="refused"'), exposition, checkOptions).some((p) => p.includes('decision="refused"')), 'a value renamed');
    assert.ok(checkQueries(mutate('QUOTA_STORE_UNAVAILABLE', 'QUOTA_STORE_DOWN'), exposition, checkOptions).some((p) => p.includes('code="QUOTA_STORE_DOWN"')), 'a code that is not in the registry');
  });
});
