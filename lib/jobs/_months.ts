/** UTC calendar-month arithmetic on epoch milliseconds (partition bounds). */

/** Start of the UTC month containing `ms`, shifted by `offset` months. */
export function monthStart(ms: number, offset = 0): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1);
}

/** `YYYYMM` of the UTC month containing `ms` (the partition name suffix). */
export function monthLabel(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
}
