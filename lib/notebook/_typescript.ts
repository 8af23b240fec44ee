/** Lazy loader for the `typescript` compiler API (≈150 ms and ≈55 MB): first use, not import. */
import type ts from "typescript";

/** The `typescript` module namespace. */
export type Ts = typeof ts;

let pending: Promise<Ts> | undefined;

/** Imports `typescript` on first call and returns the same module afterwards. */
export function loadTypeScript(): Promise<Ts> {
  pending ??= import("typescript").then((m) => (m.default ?? m) as Ts);
  return pending;
}
