/** Scope names, parsing of the proxy's scopes header, and wildcard-aware scope checks. */

/** Every concrete scope an endpoint can require. */
export const SCOPES = [
  "notebook:read",
  "notebook:write",
  "notebook:execute",
  "app:use", // app mode (issue 17): move an app's widgets (runs with the viewer's own values)
  "admin:cache",
  "admin:tenants",
  "admin:audit",
] as const;

/** A concrete scope an endpoint can require. */
export type Scope = typeof SCOPES[number];

/** Grants every scope; only personal mode hands it out (never parsed from a header). */
export const ALL_SCOPES = "*";

/** Wildcards a proxy may grant: every scope in one family. */
export const SCOPE_WILDCARDS = ["notebook:*", "admin:*"] as const;

const KNOWN: ReadonlySet<string> = new Set<string>(SCOPES);

/** True when `name` is one of the concrete scopes in {@link SCOPES}. */
export function isScope(name: string): name is Scope {
  return KNOWN.has(name);
}

/**
 * Parses a space-separated scopes header into a set.
 *
 * A bare `*` is dropped: "everything" is personal mode's grant, and a proxy that means it must
 * say `notebook:* admin:*`, so a stray `*` in a proxy config cannot silently grant scopes added
 * later. Unknown names are kept (they match nothing), so a newer proxy config does not break.
 */
export function parseScopes(header: string | null | undefined): Set<string> {
  const scopes = new Set<string>();
  for (const token of (header ?? "").split(/\s+/)) {
    if (token !== "" && token !== ALL_SCOPES) scopes.add(token);
  }
  return scopes;
}

/**
 * True when `pattern` covers `scope`: equal, `*`, or `family:*` for a scope in that family.
 * Also used by ACL rules, whose `scope` field may be a wildcard.
 */
export function scopeMatches(pattern: string, scope: string): boolean {
  if (pattern === ALL_SCOPES || pattern === scope) return true;
  if (!pattern.endsWith(":*")) return false;
  const family = pattern.slice(0, -1); // keeps the colon: "admin:"
  return scope.startsWith(family) && scope.length > family.length;
}

/** True when any scope in `granted` covers `needed`. */
export function hasScope(granted: ReadonlySet<string>, needed: string): boolean {
  if (granted.has(needed) || granted.has(ALL_SCOPES)) return true;
  for (const pattern of granted) {
    if (scopeMatches(pattern, needed)) return true;
  }
  return false;
}
