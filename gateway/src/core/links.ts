// The names @cost and @listSize carry in a schema. A supergraph links the cost spec
// (`@link(url: "https://specs.apollo.dev/cost/v0.1", import: [...])`), possibly renaming them; a
// subgraph may take them from the federation spec (v2.9+); a plain schema just declares them.
import { Kind, valueFromASTUntyped, type DirectiveNode, type DocumentNode } from 'graphql';

export interface CostDirectiveNames {
  cost: string;
  listSize: string;
}

const COST_SPEC = /^https:\/\/specs\.apollo\.dev\/cost\/v\d+\.\d+$/;
const FEDERATION_SPEC = /^https:\/\/specs\.apollo\.dev\/federation\/v\d+\.\d+$/;

export function costDirectiveNames(schema: DocumentNode): CostDirectiveNames {
  const links = schemaLinks(schema);
  const link = links.find((l) => COST_SPEC.test(l.url)) ?? links.find((l) => FEDERATION_SPEC.test(l.url));
  if (link === undefined) return { cost: 'cost', listSize: 'listSize' };
  const specName = COST_SPEC.test(link.url) ? 'cost' : 'federation';
  return { cost: localName(link, specName, 'cost'), listSize: localName(link, specName, 'listSize') };
}

interface Link {
  url: string;
  as: string | undefined;
  /** Imported directive name (without @) → its name in this schema. */
  imports: Map<string, string>;
}

function schemaLinks(schema: DocumentNode): Link[] {
  const links: Link[] = [];
  for (const definition of schema.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const directive of definition.directives ?? []) {
      if (directive.name.value !== 'link') continue;
      const link = parseLink(directive);
      if (link !== undefined) links.push(link);
    }
  }
  return links;
}

function parseLink(directive: DirectiveNode): Link | undefined {
  const args = Object.fromEntries((directive.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value)]));
  if (typeof args.url !== 'string') return undefined;
  const imports = new Map<string, string>();
  for (const entry of Array.isArray(args.import) ? (args.import as unknown[]) : []) {
    if (typeof entry === 'string') {
      imports.set(stripAt(entry), stripAt(entry));
    } else if (typeof entry === 'object' && entry !== null) {
      const { name, as } = entry as { name?: unknown; as?: unknown };
      if (typeof name === 'string') imports.set(stripAt(name), stripAt(typeof as === 'string' ? as : name));
    }
  }
  return { url: args.url, as: typeof args.as === 'string' ? args.as : undefined, imports };
}

/** Per the link spec: imported names as imported; the spec's own-named directive is `@namespace`; others `@namespace__name`. */
function localName(link: Link, specName: string, directive: string): string {
  const imported = link.imports.get(directive);
  if (imported !== undefined) return imported;
  const namespace = link.as ?? specName;
  return directive === specName ? namespace : `${namespace}__${directive}`;
}

function stripAt(name: string): string {
  return name.startsWith('@') ? name.slice(1) : name;
}
