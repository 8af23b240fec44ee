/** Who is calling: the identity every surface establishes before a command runs. */

/** Who is calling. In personal mode with no user header the principal is null. */
export interface Identity {
  /** Principal name from the trusted proxy or the personal user header; null when anonymous. */
  principal: string | null;
  /** Granted scopes, e.g. "notebook:read"; personal mode grants everything ("*"). */
  scopes: ReadonlySet<string>;
  /** How the identity was established. */
  source: "personal" | "personal_user_header" | "trusted_proxy";
}
