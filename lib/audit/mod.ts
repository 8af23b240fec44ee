/** The audit log: append to a tenant's HMAC hash chain, verify whole chains, list events. */

export { appendAudit } from "./append.ts";
export {
  AUDIT_GENESIS_HASH,
  type AuditEventInput,
  type AuditRow,
  auditRowHash,
  keyNamesOnly,
} from "./audit_event.ts";
export {
  type AuditKey,
  auditKey,
  auditKeyring,
  DEVELOPMENT_AUDIT_KEY_ID,
  developmentAuditKey,
  MIN_AUDIT_KEY_BYTES,
} from "./audit_key.ts";
export { canonicalJson } from "./canonical_json.ts";
export { auditVerifyCommand, type CommandResult } from "./commands.ts";
export { type AuditEventFilters, listAuditEvents, MAX_AUDIT_PAGE } from "./list.ts";
export { type AuditVerification, verifyAudit, type VerifyAuditOptions } from "./verify.ts";
