// Reads a V8 .heapsnapshot (JSON, as written by --heapsnapshot-signal / v8.writeHeapSnapshot) and
// sums what it holds: self size by node type, by constructor (DevTools' Summary grouping), by a few
// disjoint categories that add up to the total, and the retained size of the gateway's caches
// (LruCache instances) and of Node's parsed source maps. A snapshot is taken after a full GC, so
// it is the live heap, not what V8 had allocated (see the heap gauges read next to it).
import { readFileSync } from 'node:fs';
import { Kind } from 'graphql';

export interface Tally {
  count: number;
  bytes: number;
}

export interface HeapSummary {
  nodes: number;
  edges: number;
  /** Sum of every node's self size. */
  totalBytes: number;
  byType: Record<string, Tally>;
  /** The largest constructor groups (DevTools' Summary names: `(string)`, `(compiled code)`, `Object`, …). */
  byClass: Record<string, Tally>;
  /** Disjoint; they add up to totalBytes. */
  categories: Record<string, Tally>;
  /** Retained size (what would be freed without it), may overlap. `count` = instances. */
  retained: Record<string, Tally>;
  /** Parsed graphql documents (objects of kind Document) alive. */
  graphqlDocuments: number;
}

interface Snapshot {
  snapshot: {
    meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** The categories, in the order a node is tried against them (first match wins). */
export const CATEGORIES = [
  'compiled code (bytecode, code, metadata)',
  'strings',
  'graphql AST (nodes with a graphql kind, Location, Token)',
  'Buffers, typed arrays + their backing stores',
  'arrays (elements, properties, internal)',
  'object shapes + system',
  'closures + contexts',
  'other JS objects',
  'other (numbers, symbols, native)',
] as const;

const GRAPHQL_KINDS = new Set<string>(Object.values(Kind));
const BUFFER_NAMES = new Set(['Buffer', 'FastBuffer', 'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Uint8Array', 'Int8Array', 'Uint16Array', 'Int16Array', 'Uint32Array', 'Int32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array', 'Uint8ClampedArray']);
const STRING_TYPES = new Set(['string', 'concatenated string', 'sliced string']);

export function summariseHeapSnapshot(file: string, topClasses = 40): HeapSummary {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const { meta } = snap.snapshot;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const [fType, fName, fSelf, fEdges] = ['type', 'name', 'self_size', 'edge_count'].map((f) => meta.node_fields.indexOf(f)) as [number, number, number, number];
  const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((f) => meta.edge_fields.indexOf(f)) as [number, number, number];
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const { nodes: rawNodes, edges: rawEdges, strings } = snap;
  const n = rawNodes.length / nf;
  const m = rawEdges.length / ef;

  // Compact arrays: per node type, name, self size, first edge; per edge type, name, target node.
  const type = new Uint8Array(n);
  const name = new Int32Array(n);
  const self = new Float64Array(n);
  const firstEdge = new Int32Array(n + 1);
  for (let i = 0, e = 0; i < n; i++) {
    type[i] = rawNodes[i * nf + fType] as number;
    name[i] = rawNodes[i * nf + fName] as number;
    self[i] = rawNodes[i * nf + fSelf] as number;
    firstEdge[i] = e;
    e += rawNodes[i * nf + fEdges] as number;
    firstEdge[i + 1] = e;
  }
  const edgeType = new Uint8Array(m);
  const edgeName = new Int32Array(m);
  const edgeTo = new Int32Array(m);
  for (let j = 0; j < m; j++) {
    edgeType[j] = rawEdges[j * ef + eType] as number;
    edgeName[j] = rawEdges[j * ef + eName] as number;
    edgeTo[j] = (rawEdges[j * ef + eTo] as number) / nf;
  }
  const typeName = (i: number) => nodeTypes[type[i] as number] ?? 'unknown';
  const nodeName = (i: number) => strings[name[i] as number] ?? '';
  const WEAK = edgeTypes.indexOf('weak');
  const PROPERTY = edgeTypes.indexOf('property');
  const ELEMENT = edgeTypes.indexOf('element');
  const HIDDEN = edgeTypes.indexOf('hidden');
  const named = (j: number) => edgeType[j] !== ELEMENT && edgeType[j] !== HIDDEN;
  const edgeLabel = (j: number) => (named(j) ? (strings[edgeName[j] as number] ?? '') : String(edgeName[j]));
  const property = (i: number, key: string): number => {
    for (let j = firstEdge[i] as number; j < (firstEdge[i + 1] as number); j++) {
      if (edgeType[j] === PROPERTY && strings[edgeName[j] as number] === key) return edgeTo[j] as number;
    }
    return -1;
  };

  const add = (into: Record<string, Tally>, key: string, bytes: number) => {
    const t = (into[key] ??= { count: 0, bytes: 0 });
    t.count++;
    t.bytes += bytes;
  };
  const byType: Record<string, Tally> = {};
  const classes: Record<string, Tally> = {};
  const categories: Record<string, Tally> = Object.fromEntries(CATEGORIES.map((c) => [c, { count: 0, bytes: 0 }]));
  let totalBytes = 0;
  let graphqlDocuments = 0;
  const lruNodes: number[] = [];
  const sourceMapNodes: number[] = [];

  for (let i = 0; i < n; i++) {
    const t = typeName(i);
    const bytes = self[i] as number;
    totalBytes += bytes;
    add(byType, t, bytes);
    add(classes, className(t, nodeName(i)), bytes);
    let category: (typeof CATEGORIES)[number];
    const nm = nodeName(i);
    if (t === 'code') category = CATEGORIES[0];
    else if (STRING_TYPES.has(t)) category = CATEGORIES[1];
    else if (t === 'object' && isGraphqlNode(i)) category = CATEGORIES[2];
    else if ((t === 'native' && nm === 'system / JSArrayBufferData') || (t === 'object' && BUFFER_NAMES.has(nm))) category = CATEGORIES[3];
    else if (t === 'array') category = CATEGORIES[4];
    else if (t === 'hidden' || t === 'object shape' || (t === 'object' && nm.startsWith('system / ') && nm !== 'system / Context')) category = CATEGORIES[5];
    else if (t === 'closure' || nm === 'system / Context') category = CATEGORIES[6];
    else if (t === 'object') category = CATEGORIES[7];
    else category = CATEGORIES[8];
    add(categories, category, bytes);
    if (t === 'object' && nm === 'LruCache') lruNodes.push(i);
    // Node's source map cache keeps each module's parsed payload: { version, sources, sourcesContent, names, mappings }
    // (version is a small integer, which a snapshot does not show as an edge).
    if (t === 'object' && property(i, 'mappings') >= 0 && property(i, 'sources') >= 0) sourceMapNodes.push(i);
  }

  function isGraphqlNode(i: number): boolean {
    const nm = nodeName(i);
    if (nm === 'Location' || nm === 'Token') return true;
    const kind = property(i, 'kind');
    if (kind < 0 || !STRING_TYPES.has(typeName(kind))) return false;
    const k = nodeName(kind);
    if (k === Kind.DOCUMENT) graphqlDocuments++;
    return GRAPHQL_KINDS.has(k);
  }

  // Retained size of a set of nodes = what is reachable from the root only through them:
  // reachable bytes (strong edges) minus reachable bytes when they are cut out.
  const reachableBytes = (blocked: ReadonlySet<number>): number => {
    const seen = new Uint8Array(n);
    const stack = new Int32Array(n);
    let top = 0;
    let sum = 0;
    stack[top++] = 0;
    seen[0] = 1;
    while (top > 0) {
      const i = stack[--top] as number;
      sum += self[i] as number;
      for (let j = firstEdge[i] as number; j < (firstEdge[i + 1] as number); j++) {
        const to = edgeTo[j] as number;
        if (edgeType[j] === WEAK || seen[to] || blocked.has(to)) continue;
        seen[to] = 1;
        stack[top++] = to;
      }
    }
    return sum;
  };
  const all = reachableBytes(new Set());
  const retained: Record<string, Tally> = {};
  const retainedBy = (label: string, set: number[]) => {
    if (set.length === 0) return;
    retained[label] = { count: set.length, bytes: all - reachableBytes(new Set(set)) };
  };

  // An LruCache is named after what holds it: `<owner's class>.<field>` (e.g. TollgateGateway.operations).
  const owners = new Map<number, Set<string>>(lruNodes.map((i) => [i, new Set<string>()]));
  for (let i = 0; i < n; i++) {
    for (let j = firstEdge[i] as number; j < (firstEdge[i + 1] as number); j++) {
      const to = edgeTo[j] as number;
      const set = owners.get(to);
      if (!set || edgeType[j] === WEAK || !named(j) || typeName(i) !== 'object') continue;
      const label = edgeLabel(j);
      if (label === '__proto__' || label === 'constructor') continue;
      set.add(`${nodeName(i)}.${label}`);
    }
  }
  const lruByLabel = new Map<string, number[]>();
  for (const [i, labels] of owners) {
    const label = `LruCache ${labels.size > 0 ? [...labels].sort().join(' / ') : '(owner unknown)'}`;
    lruByLabel.set(label, [...(lruByLabel.get(label) ?? []), i]);
  }
  for (const [label, set] of [...lruByLabel].sort()) retainedBy(label, set);
  retainedBy('all LruCaches together', lruNodes);
  retainedBy("Node's parsed source maps (objects with sources + mappings)", sourceMapNodes);

  const byClass = Object.fromEntries(Object.entries(classes).sort((a, b) => b[1].bytes - a[1].bytes).slice(0, topClasses));
  return { nodes: n, edges: m, totalBytes, byType, byClass, categories, retained, graphqlDocuments };
}

/** DevTools' Summary grouping: objects by constructor name, everything else by kind. */
function className(type: string, name: string): string {
  switch (type) {
    case 'object':
    case 'native':
      return name.length > 60 ? `${name.slice(0, 57)}…` : name;
    case 'string':
    case 'concatenated string':
    case 'sliced string':
      return '(string)';
    case 'code':
      return '(compiled code)';
    case 'hidden':
      return '(system)';
    default:
      return `(${type})`;
  }
}
