import { isAbstractType, isInterfaceType, isObjectType, type GraphQLSchema } from 'graphql';
import type { JsonObject } from './merge.ts';

/**
 * "Is this response object of that type?" against the supergraph, as @apollo/gateway's
 * isObjectOfType (dataRewrites.js) answers it, memoized per (condition, __typename) since the
 * answer only depends on the two names.
 */
export class TypeConditions {
  private readonly memo = new Map<string, Map<string, boolean>>();

  constructor(private readonly schema: GraphQLSchema) {}

  isObjectOfType(obj: JsonObject, typeCondition: string, defaultOnUnknownObjectType = false): boolean {
    const typename = obj['__typename'];
    if (!typename) return defaultOnUnknownObjectType;
    if (typename === typeCondition) return true;
    let byTypename = this.memo.get(typeCondition);
    if (!byTypename) {
      byTypename = new Map();
      this.memo.set(typeCondition, byTypename);
    }
    const key = String(typename);
    let answer = byTypename.get(key);
    if (answer === undefined) {
      answer = this.compute(key, typeCondition);
      // Bounded: typenames come from subgraph responses.
      if (byTypename.size < 1_000) byTypename.set(key, answer);
    }
    return answer;
  }

  private compute(typename: string, typeCondition: string): boolean {
    const type = this.schema.getType(typename);
    const condition = this.schema.getType(typeCondition);
    if (!type || !condition || !isAbstractType(condition)) return false;
    return (isObjectType(type) || isInterfaceType(type)) && this.schema.isSubType(condition, type);
  }
}
