/**
 * Runtime validation of kernel messages against the generated schema: the browser trusts
 * nothing it did not check, mirroring the kernel's own validation of browser messages.
 */
import {
  BROWSER_MESSAGE_TAGS,
  BrowserMessage,
  KERNEL_MESSAGE_TAGS,
  KernelMessage,
  SCHEMA
} from './protocol.generated';

type Spec =
  | { readonly kind: 'str' | 'int' | 'float' | 'bool' | 'null' }
  | { readonly kind: 'literal'; readonly values: ReadonlyArray<unknown> }
  | { readonly kind: 'list'; readonly item: Spec }
  | { readonly kind: 'union'; readonly options: ReadonlyArray<Spec> }
  | { readonly kind: 'ref'; readonly name: string };

interface FieldSpec {
  readonly name: string;
  readonly spec: Spec;
  readonly required: boolean;
}

const ALIASES = SCHEMA.aliases as unknown as Readonly<Record<string, Spec>>;
const OBJECTS = SCHEMA.objects as unknown as Readonly<
  Record<string, { readonly fields: ReadonlyArray<FieldSpec> }>
>;

/** The result of validation: the typed message, or where it went wrong. */
export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

class Invalid extends Error {}

/**
 * Fields added to the protocol after kernels shipped without them, and what such a kernel
 * means by leaving them out. They are filled in before checking, so the sidebar works with
 * both; a field that is present must still have the declared type.
 */
const LATER_FIELDS: Readonly<Record<string, Readonly<Record<string, () => unknown>>>> = {
  Finding: { title: () => '', detail: () => '', blocked: () => false },
  PolicyView: { checking: () => [] },
  ExportResult: { blocking: () => [] }
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function check(value: unknown, spec: Spec, path: string): void {
  switch (spec.kind) {
    case 'str':
      if (typeof value !== 'string') {
        throw new Invalid(`${path}: expected a string`);
      }
      return;
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        throw new Invalid(`${path}: expected an integer`);
      }
      return;
    case 'float':
      if (typeof value !== 'number') {
        throw new Invalid(`${path}: expected a number`);
      }
      return;
    case 'bool':
      if (typeof value !== 'boolean') {
        throw new Invalid(`${path}: expected true or false`);
      }
      return;
    case 'null':
      if (value !== null) {
        throw new Invalid(`${path}: expected null`);
      }
      return;
    case 'literal':
      if (!spec.values.includes(value)) {
        throw new Invalid(`${path}: expected one of ${spec.values.join(', ')}`);
      }
      return;
    case 'list':
      if (!Array.isArray(value)) {
        throw new Invalid(`${path}: expected a list`);
      }
      value.forEach((item, i) => check(item, spec.item, `${path}[${i}]`));
      return;
    case 'union': {
      const problems: string[] = [];
      for (const option of spec.options) {
        try {
          check(value, option, path);
          return;
        } catch (e) {
          problems.push((e as Error).message);
        }
      }
      throw new Invalid(problems.join(' or '));
    }
    case 'ref': {
      const alias = ALIASES[spec.name];
      if (alias) {
        check(value, alias, path);
      } else {
        checkObject(value, spec.name, path);
      }
      return;
    }
  }
}

function checkObject(value: unknown, name: string, path: string): void {
  const definition = OBJECTS[name];
  if (!definition) {
    throw new Invalid(`${path}: unknown type ${name}`);
  }
  if (!isObject(value)) {
    throw new Invalid(`${path}: expected an object`);
  }
  const known = new Set(definition.fields.map(f => f.name));
  const extra = Object.keys(value).filter(k => !known.has(k));
  if (extra.length) {
    throw new Invalid(`${path}: unknown field(s) ${extra.sort().join(', ')}`);
  }
  const later = LATER_FIELDS[name] ?? {};
  for (const field of definition.fields) {
    const fallback = later[field.name];
    if (!(field.name in value) && fallback) {
      value[field.name] = fallback();
    }
    if (field.name in value) {
      check(value[field.name], field.spec, `${path}.${field.name}`);
    } else if (field.required) {
      throw new Invalid(`${path}: missing field ${field.name}`);
    }
  }
}

function validate<T>(
  value: unknown,
  tags: Readonly<Record<string, string>>
): Checked<T> {
  try {
    if (!isObject(value)) {
      throw new Invalid('a message must be an object');
    }
    const tag = value['type'];
    const name = typeof tag === 'string' ? tags[tag] : undefined;
    if (typeof tag !== 'string' || name === undefined) {
      throw new Invalid(`unknown message type ${String(tag).slice(0, 40)}`);
    }
    checkObject(value, name, tag);
    return { ok: true, value: value as T };
  } catch (e) {
    if (e instanceof Invalid) {
      return { ok: false, error: e.message };
    }
    throw e;
  }
}

/** A kernel → browser message, checked against its declaration. */
export function validateKernelMessage(value: unknown): Checked<KernelMessage> {
  return validate<KernelMessage>(value, KERNEL_MESSAGE_TAGS);
}

/** A browser → kernel message, checked before sending (a bug here is caught in the browser). */
export function validateBrowserMessage(value: unknown): Checked<BrowserMessage> {
  return validate<BrowserMessage>(value, BROWSER_MESSAGE_TAGS);
}
