/**
 * `deno task compile`: one native executable, for machines that can download Deno's runtime
 * (`deno compile` fetches `denort` from dl.deno.land; the build machines here cannot, so this
 * task is untested here). It compiles the single-file build (scripts/build.ts) with the
 * migrations and the cell harness embedded and the launcher's permissions baked in.
 *
 *   deno task compile [--out dist/strata] [--target x86_64-unknown-linux-gnu]
 *
 * The executable cannot re-run itself as `deno run` (it is not deno), so it serves in-process
 * under the baked permissions (`strata serve --in-process`); cells still need a real `deno` on
 * PATH, because each cell runs in its own `deno run` child. See docs/deploy.md.
 */
import { parseArgs } from "node:util";
import { build } from "./build.ts";

/** Permissions baked into the executable: what the launcher would grant, without per-config narrowing. */
export const COMPILE_PERMISSIONS = [
  "--allow-read",
  "--allow-write",
  "--allow-net",
  "--allow-env",
  "--allow-run",
  "--allow-sys=osRelease,uid",
  "--unstable-cron",
];

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { out: { type: "string", default: "dist/strata" }, target: { type: "string" } },
  });
  const report = await build("dist");
  const args = [
    "compile",
    "--no-config",
    ...COMPILE_PERMISSIONS,
    "--include",
    `${report.out}/migrations`,
    "--include",
    `${report.out}/harness.js`,
    ...(values.target ? ["--target", values.target] : []),
    "-o",
    values.out!,
    `${report.out}/strata.js`,
  ];
  console.log(`deno ${args.join(" ")}`);
  const status = await new Deno.Command(Deno.execPath(), {
    args,
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  if (!status.success) {
    console.error(
      "deno compile failed; it needs to download the Deno runtime (denort) from dl.deno.land",
    );
  }
  Deno.exit(status.code);
}
