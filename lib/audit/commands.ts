/** Operator entry point `strata audit verify`: the CLI prints the text and exits with the code. */

import type { Db } from "../db/types.ts";
import { verifyAudit, type VerifyAuditOptions } from "./verify.ts";

/** What a CLI command produced: text for stdout (or stderr when exitCode is not 0). */
export interface CommandResult {
  text: string;
  exitCode: number;
}

/**
 * Verifies the whole audit log (or one tenant's chain): exit code 0 and a summary when intact,
 * 1 naming the first broken row when not, 2 when the check itself could not run.
 */
export async function auditVerifyCommand(
  db: Db,
  keys: ReadonlyMap<string, Uint8Array>,
  options: Pick<VerifyAuditOptions, "tenantHash"> = {},
): Promise<CommandResult> {
  try {
    const result = await verifyAudit(db, keys, options);
    if (result.ok) {
      const chains = result.tenants === 1 ? "1 chain" : `${result.tenants} chains`;
      return { text: `audit log intact: ${result.rows} rows in ${chains}`, exitCode: 0 };
    }
    return {
      text: `audit log BROKEN at tenant ${result.tenantHash} seq ${result.seq}: ${result.reason} ` +
        `(${result.rows} rows verified before it)`,
      exitCode: 1,
    };
  } catch (error) {
    return { text: `audit verify failed to run: ${(error as Error).message}`, exitCode: 2 };
  }
}
