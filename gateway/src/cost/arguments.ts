// What a field's arguments add to its cost, as the router scores them: an input object costs its
// `@cost` weight or 1, plus its fields; a list its weight or 0, plus each item scored with the same
// definition; a scalar or enum its weight or 0; null 0. Variables are scored by their JSON value.
// Arguments are counted once per selection, not once per list item.
import { Kind, type FieldNode, type ValueNode } from 'graphql';
import { sum, type Cost } from './cost-expr.ts';
import { CostQueryError } from './errors.ts';
import type { CostModel, FieldCost, InputValueCost } from './model.ts';

export function argumentsCost(model: CostModel, field: FieldCost, node: FieldNode): Cost {
  const args = node.arguments ?? [];
  if (args.length === 0) return 0;
  return sum(
    args.map((argument) => {
      const definition = field.args.get(argument.name.value);
      if (definition === undefined) {
        throw new CostQueryError(`Argument ${argument.name.value} of field ${field.name} is missing a definition in the schema`);
      }
      return valueNodeCost(model, argument.value, definition);
    }),
  );
}

function valueNodeCost(model: CostModel, value: ValueNode, definition: InputValueCost): Cost {
  switch (value.kind) {
    case Kind.NULL:
      return 0;
    case Kind.VARIABLE: {
      // Only input objects and weighted values can cost anything; others are 0 whatever is sent.
      if (!definition.isInputObject && definition.weight === undefined) return 0;
      const name = value.name.value;
      return (ctx) => jsonValueCost(model, ctx.variables[name], definition);
    }
    case Kind.OBJECT: {
      if (!definition.isInputObject) return definition.weight ?? 0;
      const fields = inputFields(model, definition);
      return sum([
        definition.weight ?? 1,
        ...value.fields.map((field) => {
          const fieldDefinition = fields.get(field.name.value);
          if (fieldDefinition === undefined) {
            throw new CostQueryError(`Argument ${field.name.value} was found in query, but its type (${definition.typeName}) was not found in the schema`);
          }
          return valueNodeCost(model, field.value, fieldDefinition);
        }),
      ]);
    }
    case Kind.LIST:
      return sum([definition.weight ?? 0, ...value.values.map((item) => valueNodeCost(model, item, definition))]);
    default:
      return definition.weight ?? 0;
  }
}

function jsonValueCost(model: CostModel, value: unknown, definition: InputValueCost): number {
  if (value === undefined || value === null) return 0;
  if (Array.isArray(value)) {
    let cost = definition.weight ?? 0;
    for (const item of value) cost += jsonValueCost(model, item, definition);
    return cost;
  }
  if (typeof value === 'object' && definition.isInputObject) {
    const fields = inputFields(model, definition);
    let cost = definition.weight ?? 1;
    for (const [name, item] of Object.entries(value)) {
      // Unknown keys are variable coercion's to reject; they add nothing here.
      const fieldDefinition = fields.get(name);
      if (fieldDefinition !== undefined) cost += jsonValueCost(model, item, fieldDefinition);
    }
    return cost;
  }
  return definition.weight ?? 0;
}

function inputFields(model: CostModel, definition: InputValueCost): ReadonlyMap<string, InputValueCost> {
  const fields = model.inputTypes.get(definition.typeName);
  if (fields === undefined) throw new CostQueryError(`Input type ${definition.typeName} is not in the schema`);
  return fields;
}
