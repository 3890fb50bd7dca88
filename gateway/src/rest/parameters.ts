// A REST endpoint's query-string parameters: each binds one variable of its operation and is
// coerced by that variable's type (Int, Float, Boolean, ID, String, enums, custom scalars as their
// text; a list by repeating the parameter). Worked out once per endpoint and supergraph; a request
// only looks its parameters up and converts them, or gets 400 INVALID_PARAMETER naming the one.
// The query string is decoded strictly (parseQueryString): a bound parameter that is not valid
// percent-encoded UTF-8 is refused, not run with a repaired value.
import {
  getNullableType,
  GraphQLBoolean,
  GraphQLFloat,
  GraphQLInt,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  print,
  typeFromAST,
  valueFromASTUntyped,
  type GraphQLInputType,
  type GraphQLNamedInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { ConfigError } from '../core/config-errors.ts';
import { GatewayError } from '../core/errors.ts';
import { inputSchema, type JsonSchema } from './json-schema.ts';

/** One query parameter of an endpoint. */
export interface ParameterSpec {
  /** The query-string name. */
  readonly name: string;
  /** The variable it binds. */
  readonly variable: string;
  /** The variable is non-null and has no default: a request without the parameter is refused. */
  readonly required: boolean;
  /** A list variable: the parameter may repeat, each value one item. */
  readonly list: boolean;
  /** The variable's type as the document writes it, e.g. `ID!`, `[Status!]`. */
  readonly graphqlType: string;
  /** JSON Schema of the parameter's value (OpenAPI). */
  readonly schema: JsonSchema;
  /** One value's text → its JSON value; undefined when it does not coerce. */
  readonly coerce: (text: string) => unknown;
  /** What a valid value is, for the refusal. */
  readonly expected: string;
}

/**
 * The parameters of `operation`: every variable, under the name `bindings` gives it (query
 * parameter → variable) or its own. Throws ConfigError naming `key` for a binding to no variable,
 * two parameters for one variable, and variables a query string cannot carry (input objects,
 * lists of lists).
 */
export function parameterSpecs(schema: GraphQLSchema, operation: OperationDefinitionNode, bindings: Readonly<Record<string, string>>, key: string): ParameterSpec[] {
  const definitions = new Map((operation.variableDefinitions ?? []).map((d) => [d.variable.name.value, d]));
  const nameOf = new Map<string, string>();
  for (const [parameter, variable] of Object.entries(bindings)) {
    if (!definitions.has(variable)) {
      throw new ConfigError(`${key}.parameters.${parameter}: the operation has no variable $${variable}${definitions.size > 0 ? ` (it has ${[...definitions.keys()].map((v) => `$${v}`).join(', ')})` : ''}`);
    }
    const other = nameOf.get(variable);
    if (other !== undefined) throw new ConfigError(`${key}.parameters.${parameter}: $${variable} is already bound to the parameter ${other}`);
    nameOf.set(variable, parameter);
  }
  const specs: ParameterSpec[] = [];
  const taken = new Set<string>();
  for (const [variable, definition] of definitions) {
    const name = nameOf.get(variable) ?? variable;
    if (taken.has(name)) throw new ConfigError(`${key}.parameters: two variables would both be the parameter ${name}; bind one to another name`);
    taken.add(name);
    const type = typeFromAST(schema, definition.type) as GraphQLInputType | undefined;
    if (type === undefined) throw new ConfigError(`${key}: $${variable} has a type the supergraph does not define (${print(definition.type)})`);
    const nullable = getNullableType(type);
    const list = isListType(nullable);
    const item = list ? getNullableType(nullable.ofType as GraphQLInputType) : nullable;
    if (isListType(item)) throw new ConfigError(`${key}: $${variable} is a list of lists (${print(definition.type)}), which a query string cannot carry`);
    if (isInputObjectType(item)) {
      throw new ConfigError(`${key}: $${variable} is an input object (${print(definition.type)}), which REST endpoints do not support: send such operations to the GraphQL endpoint`);
    }
    const named = item as GraphQLNamedInputType;
    const defaultValue = definition.defaultValue === undefined ? undefined : valueFromASTUntyped(definition.defaultValue);
    const itemSchema = inputSchema(named);
    specs.push({
      name,
      variable,
      required: isNonNullType(type) && definition.defaultValue === undefined,
      list,
      graphqlType: print(definition.type),
      schema: { ...(list ? { type: 'array', items: itemSchema } : itemSchema), ...(defaultValue === undefined ? {} : { default: defaultValue }) },
      coerce: coercer(named),
      expected: expectation(named),
    });
  }
  return specs;
}

/** A query string's parameters by decoded name, each with its values in order; `undefined` for a value that does not decode. */
export type QueryParameters = ReadonlyMap<string, ReadonlyArray<string | undefined>>;

/**
 * `text` (what follows `?`) as application/x-www-form-urlencoded, but strict where WHATWG's
 * URLSearchParams repairs silently (`%ZZ` kept as it is, bytes that are not UTF-8 as U+FFFD): such
 * a value is kept as `undefined`, so that a parameter the endpoint binds is refused rather than run
 * with text the client did not send. A name that does not decode is dropped: it cannot be one of
 * the endpoint's parameters, and parameters the endpoint does not know are ignored anyway.
 */
export function parseQueryString(text: string): QueryParameters {
  const parameters = new Map<string, Array<string | undefined>>();
  if (text === '') return parameters;
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const name = decodeComponent(equals === -1 ? pair : pair.slice(0, equals));
    if (name === undefined) continue;
    const value = equals === -1 ? '' : decodeComponent(pair.slice(equals + 1));
    const values = parameters.get(name);
    if (values === undefined) parameters.set(name, [value]);
    else values.push(value);
  }
  return parameters;
}

const ENCODED = /[%+]/;

/** One name or value: `+` is a space; decodeURIComponent refuses malformed escapes and invalid UTF-8 (overlong forms, surrogates). */
function decodeComponent(text: string): string | undefined {
  if (!ENCODED.test(text)) return text;
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

/** The variables of one request from its query string; throws 400 INVALID_PARAMETER. */
export function bindParameters(specs: readonly ParameterSpec[], query: QueryParameters): Record<string, unknown> | undefined {
  let variables: Record<string, unknown> | undefined;
  for (const spec of specs) {
    const texts = query.get(spec.name);
    if (texts === undefined) {
      if (spec.required) throw invalidParameter(spec, 'missing', `Query parameter "${spec.name}" is required (${spec.graphqlType})`);
      continue;
    }
    if (texts.includes(undefined)) throw invalidParameter(spec, 'malformed', `Query parameter "${spec.name}" is not valid percent-encoded UTF-8`);
    if (!spec.list && texts.length > 1) throw invalidParameter(spec, 'repeated', `Query parameter "${spec.name}" may be given only once`);
    const values = texts.map((text) => {
      const value = spec.coerce(text!);
      if (value === undefined) throw invalidParameter(spec, 'invalid', `Query parameter "${spec.name}" must be ${spec.expected}`);
      return value;
    });
    variables ??= {};
    variables[spec.variable] = spec.list ? values : values[0];
  }
  return variables;
}

function invalidParameter(spec: ParameterSpec, reason: 'missing' | 'malformed' | 'repeated' | 'invalid', message: string): GatewayError {
  return new GatewayError('INVALID_PARAMETER', message, { extensions: { parameter: spec.name, reason } });
}

const INT_TEXT = /^[+-]?\d{1,10}$/;
const FLOAT_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

function coercer(type: GraphQLNamedInputType): (text: string) => unknown {
  if (type === GraphQLInt) {
    return (text) => {
      if (!INT_TEXT.test(text)) return undefined;
      const value = Number(text);
      return value >= INT_MIN && value <= INT_MAX ? value : undefined;
    };
  }
  if (type === GraphQLFloat) {
    return (text) => {
      if (!FLOAT_TEXT.test(text)) return undefined;
      const value = Number(text);
      return Number.isFinite(value) ? value : undefined;
    };
  }
  if (type === GraphQLBoolean) return (text) => (text === 'true' ? true : text === 'false' ? false : undefined);
  if (isEnumType(type)) return (text) => (type.getValue(text) !== undefined ? text : undefined);
  // String, ID, and custom scalars as their text: a custom scalar's own parsing decides at execution (400 BAD_USER_INPUT).
  return (text) => text;
}

function expectation(type: GraphQLNamedInputType): string {
  if (type === GraphQLInt) return 'an Int (a whole number from -2147483648 to 2147483647)';
  if (type === GraphQLFloat) return 'a Float (a decimal number)';
  if (type === GraphQLBoolean) return 'a Boolean (true or false)';
  if (isEnumType(type)) {
    const values = type.getValues().map((v) => v.name);
    return `one of ${values.slice(0, 20).join(', ')}${values.length > 20 ? ', …' : ''}`;
  }
  return `a ${type.name}`;
}
