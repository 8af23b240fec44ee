/** `strata approve`: the CLI side of personal-mode grant approvals (issue 13). */
import type { Command } from "./command.ts";

/** `strata approve <dir> [--grant G]`: approves the grants a notebook's cells wait for. */
export const approveCommand: Command = {
  name: "approve",
  usage: "strata approve <dir> [--grant G]",
  summary: "approve the @allow grants a notebook's cells wait for (all, or one: --grant net=host)",
  positionals: ["dir"],
  options: { grant: { type: "string" } },
  dirArg: 0,
  async run(args, ctx) {
    const session = await ctx.openNotebook(args.positionals[0]);
    const waiting = session.state().awaitingApproval;
    if (waiting.length === 0) {
      console.log("nothing to approve");
      return 0;
    }
    const one = args.values.grant;
    const approved = await session.approveGrants(typeof one === "string" ? [one] : undefined);
    for (const g of approved) console.log(`approved ${g}`);
    return 0;
  },
};
