/**
 * The command pipeline: the table of every operation a caller can ask for, and the one
 * dispatcher that enforces scope, ACL, QoS and audit for all of them. Surfaces import this.
 */
import type { AnyCommand } from "./command.ts";
import { adminTenants, auditEvents, auditVerify, cacheClear } from "./admin_commands.ts";
import {
  cellAdd,
  cellDelete,
  cellEdit,
  cellExecute,
  cellReorder,
  envUpdate,
  notebookCancel,
  notebookRunAll,
  secretManagerConfig,
  secretManagerRefresh,
} from "./cell_commands.ts";
import {
  notebookArtifacts,
  notebookCreate,
  notebookDag,
  notebookDelete,
  notebookDeleteByPath,
  notebookDiscover,
  notebookOpen,
  notebookState,
} from "./notebook_commands.ts";
import { streamRead, transformMaterialize } from "./transform_commands.ts";

export type { AnyCommand, Caller, Command, CommandContext, Surface } from "./command.ts";
export { buildCommandDeps, type CommandDeps, type CommandDepsInput } from "./deps.ts";
export { createDispatcher, type Dispatcher } from "./dispatcher.ts";
export { TransformFailedError } from "./transform_commands.ts";

/** Every command, in the order docs list them. */
export const COMMANDS: readonly AnyCommand[] = [
  notebookCreate,
  notebookOpen,
  notebookDiscover,
  notebookState,
  notebookDag,
  notebookArtifacts,
  notebookDelete,
  notebookDeleteByPath,
  cellAdd,
  cellEdit,
  cellDelete,
  cellReorder,
  cellExecute,
  notebookRunAll,
  notebookCancel,
  envUpdate,
  secretManagerConfig,
  secretManagerRefresh,
  transformMaterialize,
  streamRead,
  cacheClear,
  adminTenants,
  auditVerify,
  auditEvents,
];
