/** Notebook model: on-disk format, cell analysis, DAG, provenance and staleness. */
export {
  addCell,
  type AddCellOptions,
  createNotebook,
  type CreateNotebookOptions,
  editCell,
  type Notebook,
  type NotebookCell,
  readLockFile,
  readNotebook,
  removeCell,
  renameCell,
  reorderCells,
  setNotebookEnv,
} from "./format.ts";
export {
  blankEnv,
  type CellEntry,
  type Manifest,
  parseManifest,
  serializeManifest,
} from "./manifest.ts";
export { assertCellFile, type CellLanguage, cellSlug, isCellId, newCellId } from "./cell_files.ts";
export {
  type CellRunRecord,
  pruneRuntimeState,
  readRuntimeState,
  recordCellRun,
  type RuntimeState,
  writeRuntimeState,
} from "./runtime_state.ts";
export {
  analyzeCell,
  type AnalyzeOptions,
  type Analyzer,
  type CellAnalysis,
  type CellDiagnostic,
  loadAnalyzer,
} from "./analyzer.ts";
export { normalizedSourceHash, textHash } from "./source_hash.ts";
export {
  type AnnotationDiagnostic,
  canonicalPermissions,
  type CellAnnotations,
  type CellPermissions,
  parseAnnotations,
} from "./annotations.ts";
export {
  buildDag,
  type Dag,
  type DagCellInput,
  type DagEdge,
  dirtyAfterEdit,
  downstreamOf,
  upstreamOf,
} from "./dag.ts";
export {
  type CellProvenance,
  cellProvenance,
  cellReadKeys,
  envHash,
  type EnvHashInput,
  lockFileHash,
  notebookProvenance,
} from "./provenance.ts";
export {
  type CellState,
  type CellStatus,
  computeStaleness,
  describeWhy,
  type LastRun,
  type StaleReason,
  type WhyStep,
} from "./staleness.ts";
