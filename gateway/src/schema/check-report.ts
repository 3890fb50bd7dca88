// How a check's report is printed: text for people, JSON for tools, GitHub workflow commands
// (annotations on the pull request) and a Markdown table for $GITHUB_STEP_SUMMARY.
import type { CheckedChange, CheckReport } from './check.ts';
import { escapeData, escapeProperty } from './composition-issues.ts';

export type CheckFormat = 'text' | 'json' | 'github';

/** Where a change's subgraph schema lives, for annotations: a repository path and a line, when known. */
export type Locate = (change: CheckedChange) => { file: string; line?: number } | undefined;

const ORDER = { BREAKING: 0, DANGEROUS: 1, SAFE: 2 } as const;

function sorted(changes: readonly CheckedChange[]): CheckedChange[] {
  return [...changes].sort((a, b) => ORDER[a.severity] - ORDER[b.severity] || Number(b.counts) - Number(a.counts));
}

function owner(change: CheckedChange): string {
  return change.subgraphs.length > 0 ? change.subgraphs.join(', ') : 'unknown subgraph';
}

function label(change: CheckedChange): string {
  return change.severity === 'BREAKING' && !change.counts ? 'BREAKING (unused)' : change.severity;
}

/** Per change: severity, coordinate and subgraph; then what changed; then the operations it affects. */
export function formatText(report: CheckReport, against: string): string {
  return `${formatChanges(report.changes)}${summaryLine(report, against)}\n`;
}

/** The changes alone, breaking first, a few lines each (also publish's refusals). */
export function formatChanges(changes: readonly CheckedChange[]): string {
  const lines: string[] = [];
  for (const change of sorted(changes)) {
    lines.push(`${label(change)}  ${change.coordinate}  (subgraph ${owner(change)})`, `  ${change.kind}: ${change.message}`);
    if (change.operations && change.operations.length > 0 && change.severity !== 'SAFE') {
      for (const name of change.operations.slice(0, 10)) lines.push(`  used by ${name}`);
      if (change.operations.length > 10) lines.push(`  and ${change.operations.length - 10} more operations`);
    }
  }
  return lines.map((line) => `${line}\n`).join('');
}

export function summaryLine(report: CheckReport, against: string): string {
  const operations =
    report.operations === undefined ? '' : `; ${report.operations} operations checked, ${report.unusedBreaking} breaking changes used by none of them`;
  if (report.changes.length === 0) return `check: no changes against ${against}${operations}`;
  return `check: ${report.breaking} breaking, ${report.dangerous} dangerous, ${report.safe} safe changes against ${against}${operations}`;
}

export function formatJson(report: CheckReport, against: string, exitCode: number): string {
  return `${JSON.stringify({ against, exitCode, ...report }, null, 2)}\n`;
}

/** GitHub workflow commands: an error per counting breaking change, a warning per dangerous one. */
export function formatGitHub(report: CheckReport, locate: Locate): string {
  const lines: string[] = [];
  for (const change of sorted(report.changes)) {
    if (change.severity === 'SAFE' || !change.counts) continue;
    const level = change.severity === 'BREAKING' ? 'error' : 'warning';
    const where = locate(change);
    const props = [where && `file=${escapeProperty(where.file)}`, where?.line && `line=${where.line}`, `title=${escapeProperty(`${change.kind} ${change.coordinate}`)}`]
      .filter(Boolean)
      .join(',');
    const used = change.operations && change.operations.length > 0 ? ` Used by: ${change.operations.slice(0, 5).join(', ')}` : '';
    lines.push(`::${level} ${props}::${escapeData(`${change.message} (subgraph ${owner(change)}).${used}`)}`);
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** A Markdown section for $GITHUB_STEP_SUMMARY: the totals, then a table of the changes. */
export function formatMarkdown(report: CheckReport, against: string): string {
  const lines = [`### tollgate check`, '', summaryLine(report, against).replace(/^check: /, ''), ''];
  if (report.changes.length > 0) {
    lines.push('| severity | change | coordinate | subgraph | operations |', '|---|---|---|---|---|');
    for (const change of sorted(report.changes)) {
      const operations = change.operations === undefined ? '' : change.operations.slice(0, 5).join('<br>') || 'none';
      lines.push(`| ${label(change)} | ${change.kind} | \`${change.coordinate}\` | ${owner(change)} | ${cell(operations)} |`);
    }
  }
  return `${lines.join('\n')}\n\n`;
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}
