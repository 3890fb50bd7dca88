// Reading a gateway's Prometheus text exposition in tests: samples, exact label sets, one value.
import assert from 'node:assert/strict';
import type { RunningGateway } from '../../gateway/src/gateway.ts';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a text-format exposition (comment lines skipped). */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The samples of one metric, as `{labels} value` lines sorted (exact label sets). */
export function series(samples: Sample[], name: string): string[] {
  return samples
    .filter((s) => s.name === name)
    .map((s) => `${JSON.stringify(Object.fromEntries(Object.entries(s.labels).sort()))} ${s.value}`)
    .sort();
}

export function value(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  return samples.find((s) => s.name === name && Object.keys(labels).length === Object.keys(s.labels).length && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

export async function scrape(gateway: RunningGateway): Promise<Sample[]> {
  const response = await fetch(`http://127.0.0.1:${gateway.port}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parseMetrics(await response.text());
}

