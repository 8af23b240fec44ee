/** Structured logging: text or JSON lines, with a level filter and child loggers carrying fields. */

/** Log severity, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Extra structured fields on a log line. */
export type LogFields = Record<string, unknown>;

/** A logger; `child` returns one that adds fields to every line. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

/** Options for createLogger. */
export interface LoggerOptions {
  /** @default "info" */
  level?: LogLevel;
  /** @default "text" */
  format?: "text" | "json";
  /** Where lines go. @default writes to stderr */
  sink?: (line: string) => void;
  /** Clock, for tests. @default () => new Date() */
  now?: () => Date;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Creates a logger writing one line per event. */
export function createLogger(options: LoggerOptions = {}, fields: LogFields = {}): Logger {
  const level = options.level ?? "info";
  const format = options.format ?? "text";
  const encoder = new TextEncoder();
  const sink = options.sink ??
    ((line: string) => Deno.stderr.writeSync(encoder.encode(line + "\n")));
  const now = options.now ?? (() => new Date());

  function emit(lvl: LogLevel, msg: string, extra?: LogFields): void {
    if (ORDER[lvl] < ORDER[level]) return;
    const all = { ...fields, ...extra };
    const ts = now().toISOString();
    if (format === "json") {
      sink(JSON.stringify({ ts, level: lvl, msg, ...all }, jsonSafe));
      return;
    }
    const tail = Object.entries(all).map(([k, v]) => `${k}=${formatValue(v)}`).join(" ");
    sink(`${ts} ${lvl.toUpperCase().padEnd(5)} ${msg}${tail ? " " + tail : ""}`);
  }

  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (more) => createLogger(options, { ...fields, ...more }),
  };
}

/** A logger that drops everything (tests, tools). */
export function nullLogger(): Logger {
  return createLogger({ sink: () => {} });
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

function formatValue(v: unknown): string {
  if (v instanceof Error) return JSON.stringify(`${v.name}: ${v.message}`);
  const s = typeof v === "string" ? v : JSON.stringify(v, jsonSafe);
  return /[\s"=]/.test(s ?? "") ? JSON.stringify(s) : String(s);
}
