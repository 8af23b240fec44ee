/** Prepares a segment of jobs for one child: resolves carried names and builds the modules. */

import { codeReference } from "./codecs.ts";
import type { CellModule } from "./cell_module.ts";
import { buildModule } from "./_module_builder.ts";
import type { ChildJob } from "./protocol.ts";
import type { CellError, CellJob, CodeInput, EncodedValue } from "./types.ts";

/** Defaults applied to every job. */
export const DEFAULT_TIMEOUT_MS = 300_000;
export const DEFAULT_MEMORY_MB = 1024;
export const DEFAULT_CONSOLE_LIMIT = 1_048_576;
export const DEFAULT_MAX_WORKERS = 4;

/** An output of an earlier job in the same runBatch call, kept encoded. */
export interface Produced {
  value: EncodedValue;
  job: CellJob;
}

/** A job ready to send, or already failed before reaching a child. */
export type Prepared =
  | {
    ok: true;
    child: ChildJob;
    main: CellModule;
    code: { input: CodeInput; module: CellModule }[];
  }
  | { ok: false; error: CellError };

/**
 * Builds the child job for `job`. Carried names produced earlier in the same child stay
 * carried (in memory); others become encoded inputs, or code inputs for functions and classes.
 */
export async function prepareJob(
  job: CellJob,
  context: { inChild: Set<string>; produced: Map<string, Produced> },
): Promise<Prepared> {
  const inputs = [...job.inputs];
  const carry: string[] = [];
  const codeInputs = new Map<string, CodeInput>();
  for (const ci of job.codeInputs ?? []) codeInputs.set(ci.cellId, { ...ci, names: [...ci.names] });
  for (const name of job.carry ?? []) {
    const p = context.produced.get(name);
    if (context.inChild.has(name) || !p) carry.push(name);
    else if (p.value.codec === "code") {
      const ref = codeReference(p.value);
      const ci = codeInputs.get(ref.cellId) ??
        { cellId: ref.cellId, source: p.job.source, names: [] };
      ci.names.push(name);
      codeInputs.set(ref.cellId, ci);
    } else inputs.push(p.value);
  }
  const available = [...inputs.map((v) => v.name), ...carry];
  const code: { input: CodeInput; module: CellModule }[] = [];
  for (const input of codeInputs.values()) {
    const built = await buildModule(input.source, {
      inputs: available,
      outputs: input.names,
      displayLast: false,
      baseDir: job.permissions.notebookDir, // issue 14 item 5: ./x imports from the notebook
    });
    if (!built.ok && "tooLarge" in built) {
      return { ok: false, error: { kind: "exception", message: built.tooLarge } };
    }
    if (!built.ok) {
      const message = `Syntax error in cell '${input.cellId}' (needed for ${
        input.names.join(", ")
      }): ${built.error.message}`;
      return { ok: false, error: { kind: "syntax", message } };
    }
    code.push({ input, module: built.module });
    available.push(...input.names);
  }
  const main = await buildModule(job.source, {
    inputs: available,
    outputs: job.outputs,
    baseDir: job.permissions.notebookDir, // issue 14 item 5: ./x imports from the notebook
  });
  if (!main.ok && "tooLarge" in main) {
    return { ok: false, error: { kind: "exception", message: main.tooLarge } };
  }
  if (!main.ok) return { ok: false, error: { kind: "syntax", ...main.error } };
  const child: ChildJob = {
    cellId: job.cellId,
    module: {
      cellId: job.cellId,
      code: main.module.code,
      names: job.outputs,
      js: main.module.js,
      script: main.module.script,
    },
    codeModules: code.map((c) => ({
      cellId: c.input.cellId,
      code: c.module.code,
      names: c.input.names,
      js: c.module.js,
      script: c.module.script,
    })),
    inputs,
    carry,
    outputs: job.outputs,
    env: job.env ?? {},
    consoleLimit: job.consoleLimit ?? DEFAULT_CONSOLE_LIMIT,
    timeoutMs: job.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxWorkers: job.maxWorkers ?? DEFAULT_MAX_WORKERS,
  };
  return { ok: true, child, main: main.module, code };
}
