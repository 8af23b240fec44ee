/** Rewrites `$N` placeholders to SQLite's `?N`, leaving string literals, identifiers and comments alone. */

/** The rewritten SQL and the highest placeholder number it uses (0 when none). */
export interface RewrittenSql {
  sql: string;
  maxIndex: number;
}

/**
 * Rewrites `$1, $2, ...` to `?1, ?2, ...`. node:sqlite does not bind positional parameters to
 * `$1`-style names ("column index out of range"), while numbered `?N` keeps repeated uses of one
 * parameter working. Text inside '...', "...", `--` and `/* *\/` comments is copied unchanged.
 */
export function rewritePlaceholders(sql: string): RewrittenSql {
  let out = "";
  let maxIndex = 0;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const ch = sql[i];
    if (ch === "'" || ch === '"') {
      const end = skipQuoted(sql, i, ch);
      out += sql.slice(i, end);
      i = end;
    } else if (ch === "-" && sql[i + 1] === "-") {
      const nl = sql.indexOf("\n", i);
      const end = nl === -1 ? n : nl;
      out += sql.slice(i, end);
      i = end;
    } else if (ch === "/" && sql[i + 1] === "*") {
      const close = sql.indexOf("*/", i + 2);
      const end = close === -1 ? n : close + 2;
      out += sql.slice(i, end);
      i = end;
    } else if (ch === "$" && isDigit(sql[i + 1]) && !isWordChar(sql[i - 1])) {
      let j = i + 1;
      while (j < n && isDigit(sql[j])) j++;
      const index = Number(sql.slice(i + 1, j));
      if (index > maxIndex) maxIndex = index;
      out += "?" + sql.slice(i + 1, j);
      i = j;
    } else {
      out += ch;
      i++;
    }
  }
  return { sql: out, maxIndex };
}

/** Index just past the quoted run starting at `start`; a doubled quote is an escaped quote. */
function skipQuoted(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= "0" && ch <= "9";
}

function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && /[A-Za-z0-9_$]/.test(ch);
}
