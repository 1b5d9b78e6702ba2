/**
 * Runtime validation of kernel messages against the generated JSON Schema, with ajv: the
 * browser trusts nothing it did not check, mirroring the kernel's own validation of browser
 * messages (Python's jsonschema, against the same schema).
 */
import Ajv2020, { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import {
  BROWSER_MESSAGE_TAGS,
  BrowserMessage,
  KERNEL_MESSAGE_TAGS,
  KernelMessage,
  NotebookRecord,
  PROTOCOL_SCHEMA,
  RECORD_SCHEMA
} from './protocol.generated';

/** The result of validation: the typed message, or where it went wrong. */
export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * useDefaults: fields added to the protocol after kernels shipped without them carry a
 * `default` in the schema (what such a kernel means by leaving them out); ajv fills them in
 * before checking, so the sidebar works with both, and a field that is present must still
 * have the declared type.
 */
const ajv = new Ajv2020({ useDefaults: true, allErrors: false, strict: true, allowUnionTypes: true });
ajv.addSchema(PROTOCOL_SCHEMA);
ajv.addSchema(RECORD_SCHEMA);
const compiled = new Map<string, ValidateFunction>();

function validator(schemaId: string, name: string): ValidateFunction {
  const key = `${schemaId}#/$defs/${name}`;
  let validate = compiled.get(key);
  if (validate === undefined) {
    validate = ajv.getSchema(key);
    if (validate === undefined) {
      throw new Error(`no schema ${key}`);
    }
    compiled.set(key, validate);
  }
  return validate;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `/cells/0/findings/1/severity` → `.cells[0].findings[1].severity` */
function path(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map(p => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map(p => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
    .join('');
}

const NOUNS: Readonly<Record<string, string>> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  null: 'null',
  object: 'an object',
  array: 'a list'
};

/** The error in the words the kernel uses for the same problem. */
function problem(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return `unknown field(s) ${String(params['additionalProperty'])}`;
    case 'required':
      return `missing field ${String(params['missingProperty'])}`;
    case 'type':
      return `expected ${String(params['type'])
        .split(',')
        .map(t => NOUNS[t] ?? t)
        .join(' or ')}`;
    case 'enum':
      return `expected one of ${(params['allowedValues'] as unknown[]).join(', ')}`;
    case 'const':
      return `expected ${String(params['allowedValue'])}`;
    default:
      return error.message ?? error.keyword;
  }
}

function check<T>(value: unknown, schemaId: string, name: string, where: string): Checked<T> {
  const validate = validator(schemaId, name);
  if (validate(value)) {
    return { ok: true, value: value as T };
  }
  const error = validate.errors?.[0];
  return {
    ok: false,
    error: error ? `${where}${path(error.instancePath)}: ${problem(error)}` : `${where}: invalid`
  };
}

function validate<T>(value: unknown, tags: Readonly<Record<string, string>>): Checked<T> {
  if (!isObject(value)) {
    return { ok: false, error: 'a message must be an object' };
  }
  const tag = value['type'];
  const name = typeof tag === 'string' ? tags[tag] : undefined;
  if (typeof tag !== 'string' || name === undefined) {
    return { ok: false, error: `unknown message type ${String(tag).slice(0, 40)}` };
  }
  return check<T>(value, PROTOCOL_SCHEMA.$id, name, tag);
}

/** A kernel → browser message, checked against its declaration (missing later fields filled in). */
export function validateKernelMessage(value: unknown): Checked<KernelMessage> {
  return validate<KernelMessage>(value, KERNEL_MESSAGE_TAGS);
}

/** A browser → kernel message, checked before sending (a bug here is caught in the browser). */
export function validateBrowserMessage(value: unknown): Checked<BrowserMessage> {
  return validate<BrowserMessage>(value, BROWSER_MESSAGE_TAGS);
}

/** The record saved as the notebook's `metadata.leakguard`, checked against its declaration. */
export function validateNotebookRecord(value: unknown): Checked<NotebookRecord> {
  return check<NotebookRecord>(value, RECORD_SCHEMA.$id, 'NotebookRecord', 'metadata.leakguard');
}
