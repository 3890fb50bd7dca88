import {
  getNamedType,
  isAbstractType,
  isInterfaceType,
  isObjectType,
  valueFromASTUntyped,
  type ConstDirectiveNode,
  type DocumentNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import type { Identity } from '../core/identity.ts';
import { linkedDirectiveName } from '../core/links.ts';
import type { ParsedSupergraph } from '../core/supergraph.ts';

/**
 * What the supergraph's `@authenticated` and `@requiresScopes`
 * (https://specs.apollo.dev/authenticated/v0.1, requiresScopes/v0.1) require of a caller, per type
 * and field. `@requiresScopes(scopes: [["a", "b"], ["c"]])` means (a AND b) OR c.
 */

/** AND over clauses; each clause is OR over scope sets; each set is AND over scopes. */
export interface Requirement {
  authenticated: boolean;
  scopes: ReadonlyArray<ReadonlyArray<ReadonlyArray<string>>>;
}

const NONE: Requirement = Object.freeze({ authenticated: false, scopes: Object.freeze([]) });

export class AuthorizationPolicy {
  /** Whether the supergraph uses either directive at all; if not, nothing is ever filtered. */
  readonly active: boolean;
  readonly schema: GraphQLSchema;
  /** Every scope any directive names: the only scopes that change a result. */
  readonly knownScopes = new Set<string>();
  private readonly typeRequirements = new Map<string, Requirement>();
  private readonly fieldRequirements = new Map<string, Requirement>();
  private readonly effective = new Map<string, Requirement>();

  constructor(parsed: ParsedSupergraph) {
    const supergraph = parsed.document;
    this.schema = parsed.schema;
    // The names the supergraph's @link gives the two directives (`as:` renames them).
    const authenticated = linkedDirectiveName(supergraph, 'authenticated');
    const requiresScopes = linkedDirectiveName(supergraph, 'requiresScopes');
    if (authenticated === undefined && requiresScopes === undefined) {
      this.active = false;
      return;
    }
    const read = (directives: readonly ConstDirectiveNode[] | undefined): Requirement | undefined => {
      let isAuthenticated = false;
      const scopes: string[][][] = [];
      for (const directive of directives ?? []) {
        if (directive.name.value === authenticated) isAuthenticated = true;
        if (directive.name.value === requiresScopes) {
          const arg = directive.arguments?.find((a) => a.name.value === 'scopes');
          const value = arg ? valueFromASTUntyped(arg.value) : [];
          const sets = asList(value).map((set) => asList(set).map(String));
          for (const set of sets) for (const scope of set) this.knownScopes.add(scope);
          scopes.push(sets);
        }
      }
      return isAuthenticated || scopes.length > 0 ? { authenticated: isAuthenticated, scopes } : undefined;
    };
    for (const type of Object.values(this.schema.getTypeMap())) {
      if (type.name.startsWith('__')) continue;
      const own = read(type.astNode?.directives);
      if (own) this.typeRequirements.set(type.name, own);
      if (isObjectType(type) || isInterfaceType(type)) {
        for (const field of Object.values(type.getFields())) {
          const fieldOwn = read(field.astNode?.directives);
          if (fieldOwn) this.fieldRequirements.set(`${type.name}.${field.name}`, fieldOwn);
        }
      }
    }
    this.active = this.typeRequirements.size > 0 || this.fieldRequirements.size > 0;
  }

  typeRequirement(type: GraphQLNamedType): Requirement {
    return this.typeRequirements.get(type.name) ?? NONE;
  }

  /**
   * Everything selecting `parent.field` requires: the field's own directives and its return type's;
   * on an abstract parent, also those of the field and of the type in every possible type.
   */
  fieldRequirement(parent: GraphQLCompositeType, field: GraphQLField<unknown, unknown>): Requirement {
    const id = `${parent.name}.${field.name}`;
    let requirement = this.effective.get(id);
    if (requirement === undefined) {
      const parts: Requirement[] = [this.fieldRequirements.get(id) ?? NONE, this.typeRequirement(getNamedType(field.type))];
      if (isAbstractType(parent)) {
        for (const possible of this.schema.getPossibleTypes(parent)) {
          parts.push(this.typeRequirement(possible));
          parts.push(this.fieldRequirements.get(`${possible.name}.${field.name}`) ?? NONE);
          const own = possible.getFields()[field.name];
          if (own) parts.push(this.typeRequirement(getNamedType(own.type)));
        }
      }
      requirement = combine(parts);
      this.effective.set(id, requirement);
    }
    return requirement;
  }
}

export function satisfies(requirement: Requirement, identity: Identity | undefined): boolean {
  if (requirement === NONE) return true;
  if (requirement.authenticated && identity === undefined) return false;
  return requirement.scopes.every(
    (clause) => clause.length === 0 || clause.some((set) => set.every((scope) => identity?.scopes.has(scope) === true)),
  );
}

function combine(parts: Requirement[]): Requirement {
  const authenticated = parts.some((part) => part.authenticated);
  const scopes = parts.flatMap((part) => part.scopes);
  return authenticated || scopes.length > 0 ? { authenticated, scopes } : NONE;
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}
