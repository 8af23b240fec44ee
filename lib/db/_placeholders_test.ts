import assert from "node:assert/strict";
import { rewritePlaceholders } from "./_placeholders.ts";

Deno.test("placeholders - rewrites $N to ?N and reports the highest index", () => {
  const r = rewritePlaceholders("SELECT * FROM t WHERE a = $1 AND b = $2 OR c = $1");
  assert.equal(r.sql, "SELECT * FROM t WHERE a = ?1 AND b = ?2 OR c = ?1");
  assert.equal(r.maxIndex, 2);
});

Deno.test("placeholders - leaves string literals, identifiers and comments alone", () => {
  const sql = `SELECT '$1', 'it''s $2', "col$3" FROM t -- $4\nWHERE x = $1 /* $5 */ AND y = $10`;
  const r = rewritePlaceholders(sql);
  assert.equal(
    r.sql,
    `SELECT '$1', 'it''s $2', "col$3" FROM t -- $4\nWHERE x = ?1 /* $5 */ AND y = ?10`,
  );
  assert.equal(r.maxIndex, 10);
});

Deno.test("placeholders - no placeholders, unterminated quote and word-attached dollars", () => {
  assert.deepEqual(rewritePlaceholders("SELECT 1"), { sql: "SELECT 1", maxIndex: 0 });
  assert.deepEqual(rewritePlaceholders("SELECT a$1 FROM t"), {
    sql: "SELECT a$1 FROM t",
    maxIndex: 0,
  });
  assert.deepEqual(rewritePlaceholders("SELECT '$1"), { sql: "SELECT '$1", maxIndex: 0 });
});
