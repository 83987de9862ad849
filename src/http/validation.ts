/**
 * Request validation with the route schemas. Bodies are JSON, so they are checked as sent:
 * no type coercion ("5" is not 5) and no silent removal of unknown fields. Query strings,
 * path parameters and headers arrive as text, so those may be coerced to the schema's types.
 */

import { Ajv, type Options } from 'ajv';
import formatsPlugin from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const addFormats = formatsPlugin as unknown as typeof formatsPlugin.default;

const common: Options = { useDefaults: true, removeAdditional: false, allErrors: false, strict: false };
const strictAjv = addFormats(new Ajv({ ...common, coerceTypes: false }), ['date-time', 'email', 'uri']);
const textAjv = addFormats(new Ajv({ ...common, coerceTypes: true }), ['date-time', 'email', 'uri']);

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? strictAjv : textAjv).compile(schema as object);
