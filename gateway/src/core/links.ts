// The schema's @link reader: which name a linked spec's directive carries in this schema. A
// supergraph links each spec (`@link(url: "https://specs.apollo.dev/cost/v0.1", import: [...])`),
// possibly renaming its directives with `as:` or an import's `{ name, as }`.
import { Kind, valueFromASTUntyped, type DirectiveNode, type DocumentNode } from 'graphql';

/**
 * The name `@directive` of the spec `https://specs.apollo.dev/<specName>/vX.Y` has in `schema`, or
 * undefined when the schema does not link that spec. `directive` defaults to the spec's own-named
 * directive (e.g. `@authenticated` of the authenticated spec).
 */
export function linkedDirectiveName(schema: DocumentNode, specName: string, directive: string = specName): string | undefined {
  const link = schemaLinks(schema).find((l) => isSpecUrl(l.url, specName));
  return link === undefined ? undefined : localName(link, specName, directive);
}

/**
 * As linkedDirectiveName, for a spec linked from any host (`https://<host>/<path>/<specName>/vX.Y`):
 * directives outside Apollo's specs that subgraphs keep in the supergraph with @composeDirective
 * (e.g. @cacheControl).
 */
export function composedDirectiveName(schema: DocumentNode, specName: string, directive: string = specName): string | undefined {
  const pattern = new RegExp(`^https?://[^?#]+/${specName}/v\\d+\\.\\d+$`);
  const link = schemaLinks(schema).find((l) => pattern.test(l.url));
  return link === undefined ? undefined : localName(link, specName, directive);
}

// The names @cost and @listSize carry in a schema: from the cost spec, else (a subgraph, v2.9+)
// from the federation spec; a plain schema just declares them.

export interface CostDirectiveNames {
  cost: string;
  listSize: string;
}

export function costDirectiveNames(schema: DocumentNode): CostDirectiveNames {
  const links = schemaLinks(schema);
  const link = links.find((l) => isSpecUrl(l.url, 'cost')) ?? links.find((l) => isSpecUrl(l.url, 'federation'));
  if (link === undefined) return { cost: 'cost', listSize: 'listSize' };
  const specName = isSpecUrl(link.url, 'cost') ? 'cost' : 'federation';
  return { cost: localName(link, specName, 'cost'), listSize: localName(link, specName, 'listSize') };
}

/** `https://specs.apollo.dev/<specName>/vX.Y`, any version. */
function isSpecUrl(url: string, specName: string): boolean {
  const prefix = `https://specs.apollo.dev/${specName}/`;
  return url.startsWith(prefix) && /^v\d+\.\d+$/.test(url.slice(prefix.length));
}

export interface Link {
  url: string;
  as: string | undefined;
  /** Imported directive name (without @) → its name in this schema. */
  imports: Map<string, string>;
}

/** Every `@link` on the schema definition or its extensions that names a `url`, in order. */
export function schemaLinks(schema: DocumentNode): Link[] {
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
