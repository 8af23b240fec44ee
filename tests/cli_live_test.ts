// `strata run` prints each cell as it finishes (issue 14 item 2): read its stdout as a stream,
// with the time each line arrived, while a slow cell is still running.
import assert from "node:assert/strict";
import { strataCommand } from "./_cli.ts";

function strata(dir: string, args: string[], stdout: "piped" | "null" = "piped") {
  return strataCommand(dir, args, { stdout });
}

async function ok(dir: string, args: string[]): Promise<string> {
  const out = await strata(dir, args).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, `${args.join(" ")}: ${text}\n${new TextDecoder().decode(out.stderr)}`);
  return text.trim();
}

Deno.test("cli live - strata run prints the first cells before a 3-second cell ends", async () => {
  const dir = await Deno.makeTempDir({ prefix: "strata-cli-live-" });
  try {
    await Deno.mkdir(`${dir}/work`);
    await ok(dir, ["new", "nb"]);
    const first = await ok(dir, [
      "cell",
      "add",
      "nb",
      "--source",
      'const a = 1;\nconsole.log("first says hi")',
    ]);
    const second = await ok(dir, ["cell", "add", "nb", "--source", "const b = a + 1;\nb * 10"]);
    // The slow cell waits for the test's "go" (created once the first two cells were printed),
    // then takes 3 s more: without streaming nothing is printed before it ends and it times out.
    const slow = await ok(dir, [
      "cell",
      "add",
      "nb",
      "--source",
      `// @timeout 60
const c = b + 1;
while (true) {
  try { await Deno.stat("go"); break; } catch { await new Promise((r) => setTimeout(r, 50)); }
}
await new Promise((r) => setTimeout(r, 3000));
console.log("slow done")`,
    ]);

    const child = strata(dir, ["run", "nb"]).spawn();
    const started = performance.now();
    const lines: { at: number; text: string }[] = [];
    let buf = "";
    let released = false;
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      buf += chunk;
      const parts = buf.split("\n");
      buf = parts.pop()!;
      for (const text of parts) lines.push({ at: performance.now() - started, text });
      const seen = (id: string) => lines.some((l) => l.text.startsWith(`ok    ${id}`));
      if (!released && seen(first) && seen(second)) {
        released = true;
        await Deno.writeTextFile(`${dir}/work/nb/go`, "");
      }
    }
    const status = await child.status;
    const at = (re: RegExp) => lines.find((l) => re.test(l.text));
    const stderr = new TextDecoder().decode(
      (await child.stderr.getReader().read()).value ?? new Uint8Array(),
    );
    assert.equal(status.code, 0, lines.map((l) => l.text).join("\n") + stderr);
    assert.ok(released, "the first cells were printed while the slow cell waited");
    const firstLine = at(new RegExp(`^ok    ${first}`))!;
    const slowLine = at(new RegExp(`^ok    ${slow}`))!;
    assert.ok(slowLine, lines.map((l) => l.text).join("\n"));
    assert.ok(firstLine.at < slowLine.at, "printed in the order they finished");
    assert.ok(at(/^\s+\| first says hi$/)!.at < slowLine.at);
    assert.ok(at(/^\s+20$/)!.at < slowLine.at, "the second cell's display too");
    assert.match(lines.at(-1)!.text, /^ok: 3 cell\(s\), 0 cache hit\(s\)$/);
    console.log(
      `first cell at ${firstLine.at.toFixed(0)} ms, slow cell at ${slowLine.at.toFixed(0)} ms`,
    );

    // --quiet prints only the summary for a clean run; --format json only the JSON document.
    assert.equal(await ok(dir, ["run", "nb", "--quiet"]), "ok: 3 cell(s), 3 cache hit(s)");
    const json = JSON.parse(await ok(dir, ["run", "nb", "--format", "json"]));
    assert.equal(json.cells.length, 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
