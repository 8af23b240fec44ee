/**
 * `[transforms]`: the server-side computations `POST /v1/materialize` may run. Each names a
 * notebook (relative to the caller's tenant notebook root), one of its cells, the parameters a
 * caller may set (passed to the cells as environment values) and the value to materialize.
 */
import { z } from "zod";
import { ValidationError } from "../errors.ts";
import { isSensitiveKey } from "../secrets/sensitive.ts";

/** Transform names travel in stream ids (`<name>.<provenance>`), so they contain no dot. */
export const TRANSFORM_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]{0,127}$/;

/** The result artifact every successful run stores: displays and console as JSON. */
export const RESULT_OUTPUT = "$result";

// The schemas are built on first use (`z.lazy`): most starts configure no transforms.
const paramName = () =>
  z.string().regex(ENV_KEY, "must be an environment key ([A-Za-z_][A-Za-z0-9_]*)")
    .refine((k) => !isSensitiveKey(k), {
      // Secret-looking values are never hashed into provenance, so two calls with different
      // values would share one cached artifact. Parameters must be part of the cache key.
      message: "must not look like a secret (KEY, SECRET, TOKEN, PASSWORD, CREDENTIAL): secret " +
        "values are not part of the cache key",
    });

/** One `[transforms.<name>]` table. */
export const transformSchema = z.lazy(() =>
  z.strictObject({
    /** Notebook folder, relative to the caller's tenant notebook root, e.g. "reports/daily". */
    notebook: z.string().min(1).max(1024).refine((p) => !p.includes("\0"), "must not contain NUL"),
    /** The cell to run: its id or its `// @name`. */
    cell: z.string().min(1).max(128),
    /** Parameters a caller may set. @default [] */
    params: z.array(paramName()).max(64).optional(),
    /** Values used when the caller omits a parameter. @default {} */
    defaults: z.record(paramName(), z.string().max(4096)).optional(),
    /** Variable of the cell to materialize. @default "$result" (its displays and console, JSON) */
    output: z.string().regex(IDENTIFIER, "must be a top-level variable name").optional(),
    /** Free text shown to clients. */
    description: z.string().max(1000).optional(),
  }).refine(
    (t) => Object.keys(t.defaults ?? {}).every((k) => (t.params ?? []).includes(k)),
    { message: "every key of defaults must be listed in params" },
  )
);

/** The `[transforms]` table: name → transform (names are checked by parseTransforms). */
export const transformsSchema = z.lazy(() => z.record(z.string(), transformSchema));

/** One resolved transform. */
export interface Transform {
  name: string;
  notebook: string;
  cell: string;
  params: readonly string[];
  defaults: Readonly<Record<string, string>>;
  output: string;
  description?: string;
}

/** Registered transforms by name. */
export type Transforms = ReadonlyMap<string, Transform>;

/** Parses a `[transforms]` table (TOML or STRATA_TRANSFORMS JSON); throws listing every problem. */
export function parseTransforms(input: unknown): Transforms {
  // Nothing configured (every start without `[transforms]`): what parsing `{}` gives.
  if (input === undefined || input === null) return new Map();
  const parsed = transformsSchema.safeParse(input);
  const problems = parsed.success ? [] : [z.prettifyError(parsed.error)];
  const names = input && typeof input === "object" ? Object.keys(input) : [];
  for (const name of names) {
    if (!TRANSFORM_NAME.test(name)) {
      problems.push(
        `✖ transform name ${
          JSON.stringify(name)
        }: names are 1-64 of [A-Za-z0-9_-], starting with a letter or digit`,
      );
    }
  }
  if (!parsed.success || problems.length > 0) {
    throw new ValidationError(`Invalid [transforms]: ${problems.join("\n")}`);
  }
  const out = new Map<string, Transform>();
  for (const [name, t] of Object.entries(parsed.data)) {
    out.set(
      name,
      Object.freeze({
        name,
        notebook: t.notebook,
        cell: t.cell,
        params: Object.freeze([...new Set(t.params ?? [])]),
        defaults: Object.freeze({ ...t.defaults }),
        output: t.output ?? RESULT_OUTPUT,
        description: t.description,
      }),
    );
  }
  return out;
}

/** Parameter values as a caller may send them. */
export const paramValuesSchema = z.lazy(() =>
  z.record(z.string(), z.union([z.string().max(4096), z.number(), z.boolean()]))
);

/**
 * The environment values of one materialization: the caller's parameters over the defaults.
 * An undeclared parameter is a 400 naming it and the allowed ones.
 */
export function resolveParams(
  transform: Transform,
  given: Readonly<Record<string, string | number | boolean>> = {},
): Record<string, string> {
  const env: Record<string, string> = { ...transform.defaults };
  for (const [key, value] of Object.entries(given)) {
    if (!transform.params.includes(key)) {
      const allowed = transform.params.length ? transform.params.join(", ") : "none";
      throw new ValidationError(
        `Transform '${transform.name}' has no parameter '${key}' (allowed: ${allowed})`,
      );
    }
    const text = String(value);
    if (text.includes("\0")) {
      throw new ValidationError(`Parameter '${key}' of transform '${transform.name}' contains NUL`);
    }
    env[key] = text;
  }
  return env;
}

/** A stream id: `<transform>.<provenance hash>`; parsing refuses anything else. */
export function streamId(transform: string, provenance: string): string {
  return `${transform}.${provenance}`;
}

/** Splits a stream id; null when it is not one (the route answers 404). */
export function parseStreamId(id: string): { transform: string; provenance: string } | null {
  const dot = id.indexOf(".");
  if (dot < 0) return null;
  const transform = id.slice(0, dot);
  const provenance = id.slice(dot + 1);
  if (!TRANSFORM_NAME.test(transform) || !/^[0-9a-f]{64}$/.test(provenance)) return null;
  return { transform, provenance };
}
