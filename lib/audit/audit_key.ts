/**
 * Audit HMAC keys: validation, key ids, the keyring verify uses, retired keys, and the
 * personal-mode development key (which never verifies in service mode).
 */

/** A key that signs audit rows. `id` is stored in every row it signs (hmac_key_id). */
export interface AuditKey {
  id: string;
  secret: Uint8Array;
}

/** The shortest key accepted: HMAC-SHA256 gains nothing from more, and loses strength with less. */
export const MIN_AUDIT_KEY_BYTES = 32;

/**
 * The development key personal mode falls back to when `STRATA_AUDIT_HMAC_KEY` is unset. It is
 * public (it is in this file), so a chain signed with it only detects accidents, not tampering;
 * config coherence warns about it at start-up, and service mode refuses to run without a key.
 */
export const DEVELOPMENT_AUDIT_KEY_SECRET =
  "strata-development-audit-key-NOT-SECRET-do-not-use-in-service-mode";

/** Key id used for the development key, so rows signed with it are recognisable at a glance. */
export const DEVELOPMENT_AUDIT_KEY_ID = "dev";

/**
 * Validates an audit key and derives its id. A string secret is used as its UTF-8 bytes (a
 * 64-character hex value is therefore 64 bytes, not decoded to 32). The id defaults to the first
 * 8 hex digits of SHA-256(secret): stable across restarts and replicas, different after a
 * rotation, and revealing nothing useful about the key. Throws a RangeError for a short key.
 */
export function auditKey(secret: string | Uint8Array, id?: string): AuditKey {
  const bytes = typeof secret === "string" ? new TextEncoder().encode(secret) : secret.slice();
  if (bytes.length < MIN_AUDIT_KEY_BYTES) {
    throw new RangeError(
      `Audit HMAC key is ${bytes.length} bytes; it must be at least ${MIN_AUDIT_KEY_BYTES} bytes ` +
        "(generate one with: openssl rand -hex 32)",
    );
  }
  const keyId = id ?? sha256Hex(bytes).slice(0, 8);
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(keyId)) {
    throw new TypeError(`Invalid audit key id '${keyId}': use 1-64 of [A-Za-z0-9._-]`);
  }
  return { id: keyId, secret: bytes };
}

/**
 * SHA-256 of `bytes` in hex, synchronously. `node:crypto` is loaded on the first call, not when
 * this module loads: config validation imports this module in the launcher, where loading
 * `node:crypto` costs ≈40 ms of CPU and ≈6 MiB, and a start derives no key id unless a key is
 * configured without one.
 */
function sha256Hex(bytes: Uint8Array): string {
  const { createHash } = globalThis.process.getBuiltinModule("node:crypto") as {
    createHash(algorithm: "sha256"): { update(data: Uint8Array): { digest(as: "hex"): string } };
  };
  return createHash("sha256").update(bytes).digest("hex");
}

/** The fixed development key (see DEVELOPMENT_AUDIT_KEY_SECRET): personal mode only. */
export function developmentAuditKey(): AuditKey {
  return auditKey(DEVELOPMENT_AUDIT_KEY_SECRET, DEVELOPMENT_AUDIT_KEY_ID);
}

/**
 * The keyring verifyAudit takes: key id → secret. Pass the current key and every retired key
 * whose rows must still verify. Throws when two different secrets claim one id.
 */
export function auditKeyring(keys: readonly AuditKey[]): Map<string, Uint8Array> {
  const ring = new Map<string, Uint8Array>();
  for (const key of keys) {
    const existing = ring.get(key.id);
    if (existing && !sameBytes(existing, key.secret)) {
      throw new TypeError(`Two different audit keys share the id '${key.id}'`);
    }
    ring.set(key.id, key.secret);
  }
  return ring;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/**
 * Parses one retired key as configured: `<id>:<key>`, or `<key>` alone (its id derived as for
 * the current key, which is what rows signed by an STRATA_AUDIT_HMAC_KEY carry). A key that
 * itself contains ':' must be given with its id. Throws like auditKey; messages never show the key.
 */
export function parseRetiredKey(entry: string): AuditKey {
  const colon = entry.indexOf(":");
  if (colon < 0) return auditKey(entry.trim());
  return auditKey(entry.slice(colon + 1).trim(), entry.slice(0, colon).trim());
}

/** Problems with a list of retired keys (config validation), each naming the entry by position. */
export function retiredKeyProblems(entries: readonly string[]): string[] {
  const problems: string[] = [];
  const keys: AuditKey[] = [];
  entries.forEach((entry, i) => {
    try {
      keys.push(parseRetiredKey(entry));
    } catch (err) {
      problems.push(`entry ${i + 1}: ${(err as Error).message}`);
    }
  });
  try {
    auditKeyring(keys);
  } catch (err) {
    problems.push((err as Error).message);
  }
  return problems;
}

/** True when a configured retired key is the public development key, by id or by secret. */
export function isDevelopmentKey(key: AuditKey): boolean {
  const dev = developmentAuditKey();
  return key.id === dev.id || sameBytes(key.secret, dev.secret);
}

/** What serverAuditKeys needs from the configuration. */
export interface ServerAuditKeyOptions {
  mode: "personal" | "service";
  /** STRATA_AUDIT_HMAC_KEY; required in service mode. */
  current?: string;
  /** STRATA_AUDIT_RETIRED_KEYS entries. @default [] */
  retired?: readonly string[];
}

/**
 * The signing key and the verification keyring of a server. Personal mode signs with the
 * current key or the development key and also verifies development-key rows. Service mode
 * signs with the current key and verifies only it and the retired keys: a row signed with the
 * public development key (which anyone can compute) never verifies there. Throws on a missing
 * service key or a retired development key.
 *
 * @example
 * const { key, keyring } = serverAuditKeys({ mode: "service", current, retired: ["a1b2c3d4:old..."] });
 */
export function serverAuditKeys(
  options: ServerAuditKeyOptions,
): { key: AuditKey; keyring: Map<string, Uint8Array> } {
  const retired = (options.retired ?? []).map(parseRetiredKey);
  if (options.mode === "personal") {
    const key = options.current ? auditKey(options.current) : developmentAuditKey();
    return { key, keyring: auditKeyring([key, ...retired, developmentAuditKey()]) };
  }
  if (!options.current) {
    throw new TypeError(
      "Service mode needs STRATA_AUDIT_HMAC_KEY: the development key is not accepted",
    );
  }
  const key = auditKey(options.current);
  if ([key, ...retired].some(isDevelopmentKey)) {
    throw new TypeError(
      "Service mode never accepts the public development audit key (id 'dev'); remove it from " +
        "STRATA_AUDIT_HMAC_KEY / STRATA_AUDIT_RETIRED_KEYS",
    );
  }
  return { key, keyring: auditKeyring([key, ...retired]) };
}
