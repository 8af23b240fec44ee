import assert from "node:assert/strict";
import { loadAnalyzer } from "../notebook/analyzer.ts";
import { createLanguageService, type NotebookLanguageService } from "./language_service.ts";

const analyzer = await loadAnalyzer();

type Lang = "typescript" | "markdown" | "prompt";
function cells(...list: [string, string, Lang?][]) {
  return list.map(([id, source, language = "typescript"]) => ({
    id,
    language,
    source,
    analysis: language === "typescript" ? analyzer.analyze(source) : null,
  }));
}

async function service(...list: [string, string, Lang?][]): Promise<NotebookLanguageService> {
  return await createLanguageService({ cells: cells(...list), analyzer });
}

function labels(ls: NotebookLanguageService, id: string, source: string, offset = source.length) {
  return ls.complete(id, source, offset).items.map((i) => i.label);
}

Deno.test("language service - completions for an upstream array list its methods", async () => {
  const ls = await service(["a", "const sales = [{ amount: 1 }];"], ["b", ""]);
  const got = labels(ls, "b", "sales.");
  assert.ok(got.length > 10, `expected array members, got ${got.join(",")}`);
  assert.ok(got.includes("filter") && got.includes("map"), got.join(","));
  const element = labels(ls, "b", "sales[0].");
  assert.deepEqual(element, ["amount"]);
  ls.dispose();
});

Deno.test("language service - a cell sees an upstream function's parameter types", async () => {
  const ls = await service(
    ["a", "function byRegion(row: { region: string; amount: number }) {\n  return row.region;\n}"],
    ["b", ""],
  );
  const got = labels(ls, "b", "byRegion({ ");
  assert.deepEqual(got.sort(), ["amount", "region"]);
  const diags = (ls.update(cells(
    ["a", "function byRegion(row: { region: string; amount: number }) {\n  return row.region;\n}"],
    ["b", "byRegion({ region: 1, amount: 2 });"],
  )),
    ls.diagnostics("b"));
  assert.equal(diags.length, 1);
  assert.match(diags[0].message, /'number' is not assignable to type 'string'/);
  ls.dispose();
});

Deno.test("language service - hover over an upstream name shows its declared type", async () => {
  const ls = await service(
    [
      "a",
      "const sales = [{ amount: 1 }];\n/** Sum of amounts. */\nconst total = (n: number) => n * 2;",
    ],
    ["b", "sales.length + total(1)"],
  );
  const onSales = ls.hover("b", "sales.length + total(1)", 2);
  assert.equal(onSales.text, "const sales: {\n    amount: number;\n}[]");
  const onTotal = ls.hover("b", "sales.length + total(1)", 16);
  assert.equal(onTotal.text, "total(n: number): number\n\nSum of amounts.");
  assert.deepEqual(ls.hover("b", "sales.length + total(1)", 13), { text: null });
  ls.dispose();
});

Deno.test("language service - a type error is one warning on the right cell line", async () => {
  const ls = await service(["a", '// numbers\nconst m = 1;\nconst n: number = "x";\nm + n;']);
  const diags = ls.diagnostics("a");
  assert.equal(diags.length, 1);
  assert.deepEqual(
    { ...diags[0], message: undefined },
    {
      severity: "warning",
      source: "types",
      code: "TS2322",
      message: undefined,
      line: 3,
      column: 7,
      endLine: 3,
      endColumn: 8,
    },
  );
  assert.equal(diags[0].message, "Type 'string' is not assignable to type 'number'.");
  ls.dispose();
});

Deno.test("language service - a shadowed name resolves to the nearest upstream definer", async () => {
  const ls = await service(
    ["a", "const x = 1;"],
    ["b", "const x = 'text';"],
    ["c", "x"],
    ["d", "const x = [true];"],
  );
  const got = labels(ls, "c", "x.");
  assert.ok(got.includes("toUpperCase"), got.join(","));
  assert.ok(!got.includes("toFixed"));
  assert.equal(ls.hover("c", "x", 0).text, 'const x: "text"');
  assert.deepEqual(ls.definition("c", "x", 0), { cellId: "b", line: 1, column: 7 });
  ls.dispose();
});

Deno.test("language service - markdown and prompt cells answer empty lists", async () => {
  const ls = await service(["a", "const sales = [1];"], ["m", "# sales.", "markdown"], [
    "p",
    "sales.",
    "prompt",
  ]);
  assert.deepEqual(ls.complete("m", "# sales.", 8).items, []);
  assert.deepEqual(ls.complete("p", "sales.", 6).items, []);
  assert.deepEqual(ls.hover("p", "sales.", 1), { text: null });
  assert.deepEqual(ls.diagnostics("m"), []);
  assert.deepEqual(ls.complete("nope", "sales.", 6).items, []);
  ls.dispose();
});

Deno.test("language service - cell helpers, Deno and Web globals are typed", async () => {
  const src = [
    "display(md`# hi`);",
    "const text: string = await Deno.readTextFile('x');",
    "const r: Response = await fetch('https://example.com');",
    "const bad: number = Deno.cwd();",
    "new URL('x').hostname",
  ].join("\n");
  const ls = await service(["a", src]);
  const diags = ls.diagnostics("a");
  assert.equal(diags.length, 1, JSON.stringify(diags));
  assert.equal(diags[0].line, 4);
  assert.ok(labels(ls, "a", "Deno.re").includes("readTextFile"));
  ls.dispose();
});

Deno.test("language service - names the DAG already reports and unknown modules add no warning", async () => {
  const ls = await service(["a", "import x from 'npm:not-in-any-cache-pkg@1';\nmissing + x;"]);
  assert.deepEqual(ls.diagnostics("a"), []);
  ls.dispose();
});

Deno.test("language service - a cell may reassign an upstream variable", async () => {
  const ls = await service(["a", "let count = 0;"], ["b", "count = count + 1;"], ["c", "count."]);
  assert.deepEqual(ls.diagnostics("b"), []);
  const bad = cells(["a", "let count = 0;"], ["b", "count = 'many';"], ["c", "count."]);
  ls.update(bad);
  assert.equal(ls.diagnostics("b").length, 1);
  assert.ok(labels(ls, "c", "count.").includes("toFixed"));
  ls.dispose();
});

Deno.test("language service - an unsaved edit upstream is seen downstream", async () => {
  const ls = await service(["a", "const v = 1;"], ["b", "v."]);
  assert.ok(labels(ls, "b", "v.").includes("toFixed"));
  ls.complete("a", "const v = 'now a string';", 0);
  assert.ok(labels(ls, "b", "v.").includes("toUpperCase"));
  ls.update(cells(["a", "const v = [1];"], ["b", "v."]));
  assert.ok(labels(ls, "b", "v.").includes("flatMap"));
  ls.dispose();
});

Deno.test("language service - offsets out of range are clamped, a disposed service answers nothing", async () => {
  const ls = await service(["a", "const sales = [1];"], ["b", "sales."]);
  assert.ok(labels(ls, "b", "sales.", 999).includes("map"));
  assert.equal(ls.complete("b", "sales.", -5).from, 0);
  ls.dispose();
  assert.deepEqual(ls.complete("b", "sales.", 6).items, []);
  assert.deepEqual(ls.diagnostics("b"), []);
});

Deno.test("language service - a cell's own exports are not duplicate errors", async () => {
  const ls = await service(["a", "export const v = [1];\nexport function f() {}"], ["b", "v."]);
  assert.deepEqual(ls.diagnostics("a"), []);
  assert.ok(labels(ls, "b", "v.").includes("map"));
  ls.dispose();
});

Deno.test("language service - identifier completions offer upstream names not read yet", async () => {
  const ls = await service(["a", "const sales = [1];\ntype Region = 'eu' | 'us';"], ["b", ""]);
  const items = ls.complete("b", "sa", 2).items;
  const sales = items.find((i) => i.label === "sales");
  assert.deepEqual(sales, { label: "sales", kind: "upstream", detail: "from cell a" });
  assert.ok(ls.complete("b", "const r: Re", 11).items.some((i) => i.label === "Region"));
  ls.dispose();
});

Deno.test("language service - a request deep in a long chain of inferred types answers, with no false warnings", async () => {
  // Each cell's type is inferred from the one above: asked about cell 900 first, the checker
  // recursed 900 modules deep, overflowed the stack, and later answers had false warnings.
  const chain: [string, string][] = Array.from(
    { length: 1200 },
    (_, i) => [`c${i}`, i === 0 ? "const v0 = 1" : `const v${i} = v${i - 1} + ${i}`],
  );
  const ls = await service(...chain);
  assert.equal(ls.hover("c900", chain[900][1], 6).text, "const v900: number");
  // An unsaved source makes a new program (a fresh checker): deep again.
  assert.ok(labels(ls, "c600", "const v600 = v599.to").includes("toFixed"));
  const warned = chain.filter(([id]) => id !== "c600" && ls.diagnostics(id).length > 0);
  assert.deepEqual(warned.map(([id]) => id), []);
  ls.dispose();
});
