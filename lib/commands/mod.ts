/**
 * The command pipeline: the table of every operation a caller can ask for, and the one
 * dispatcher that enforces scope, ACL, QoS and audit for all of them. Surfaces import this.
 */
import { aiGenerateCell } from "./ai_commands.ts"; // issue 18
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
  notebookApproveGrants,
  notebookArtifacts,
  notebookCreate,
  notebookDag,
  notebookDelete,
  notebookDeleteByPath,
  notebookDiscover,
  notebookOpen,
  notebookState,
  notebookWatch,
} from "./notebook_commands.ts";
import { streamRead, transformMaterialize } from "./transform_commands.ts";
import { cellComplete, cellDefinition, cellHover } from "./type_commands.ts";
import { notebookPlan } from "./plan_commands.ts"; // issue 18: MCP `plan`
import { notebookExport } from "./export_commands.ts"; // export helper
import { outputTableDownload, outputTablePage } from "./table_commands.ts"; // issue 16
import { notebookVariables } from "./variables_commands.ts"; // issue 16
import { widgetSet } from "./widget_commands.ts"; // widgets (issue 16)
import { appOpen, appRun, appSetWidget } from "./app_commands.ts"; // app mode (issue 17)

export type { AnyCommand, Caller, Command, CommandContext, Surface } from "./command.ts";
export { buildCommandDeps, type CommandDeps, type CommandDepsInput } from "./deps.ts";
export { createDispatcher, type Dispatcher, type OutputOf } from "./dispatcher.ts";
export { TransformFailedError } from "./transform_commands.ts";

/** Every command by name, in the order docs list them. */
export const COMMANDS = {
  "notebook.create": notebookCreate,
  "notebook.open": notebookOpen,
  "notebook.discover": notebookDiscover,
  "notebook.state": notebookState,
  "notebook.watch": notebookWatch,
  "notebook.dag": notebookDag,
  "notebook.plan": notebookPlan, // issue 18
  "notebook.artifacts": notebookArtifacts,
  "notebook.export": notebookExport, // export helper
  "notebook.delete": notebookDelete,
  "notebook.delete_by_path": notebookDeleteByPath,
  "notebook.approve_grants": notebookApproveGrants,
  "cell.add": cellAdd,
  "cell.edit": cellEdit,
  "cell.delete": cellDelete,
  "cell.reorder": cellReorder,
  "cell.execute": cellExecute,
  "cell.complete": cellComplete, // issue 15
  "cell.hover": cellHover,
  "cell.definition": cellDefinition,
  "notebook.run_all": notebookRunAll,
  "notebook.cancel": notebookCancel,
  "env.update": envUpdate,
  "widget.set": widgetSet, // widgets (issue 16)
  "app.open": appOpen, // app mode (issue 17)
  "app.run": appRun, // app mode (issue 17)
  "app.set_widget": appSetWidget, // app mode (issue 17)
  "secret_manager.config": secretManagerConfig,
  "secret_manager.refresh": secretManagerRefresh,
  "transform.materialize": transformMaterialize,
  "stream.read": streamRead,
  "cache.clear": cacheClear,
  "admin.tenants": adminTenants,
  "audit.verify": auditVerify,
  "audit.events": auditEvents,
  "ai.generate_cell": aiGenerateCell, // issue 18
  "output.table_page": outputTablePage, // issue 16
  "output.table_download": outputTableDownload, // issue 16
  "notebook.variables": notebookVariables, // issue 16
} as const;

/** The command table's type: names to commands (gives `dispatch` its typed answers). */
export type CommandTable = typeof COMMANDS;
