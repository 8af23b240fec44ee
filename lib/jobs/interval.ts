/** Turning a job interval in seconds into a Deno.cron schedule (whose smallest step is a minute). */

/** Why an interval cannot be scheduled, or null when it can. */
export function intervalProblem(seconds: number): string | null {
  if (!Number.isSafeInteger(seconds) || seconds < 60 || seconds % 60 !== 0) {
    return "must be a whole number of minutes (60 or more seconds, a multiple of 60)";
  }
  const minutes = seconds / 60;
  if (minutes <= 60 && 60 % minutes === 0) return null;
  if (minutes % 60 === 0 && 24 % (minutes / 60) === 0) return null;
  return "must divide an hour or a day evenly (e.g. 300, 900, 1800, 3600, 21600, 86400)";
}

/**
 * The cron schedule (UTC) firing every `seconds`, at `minuteOffset` past the hour (or the day),
 * so that jobs with the same interval do not all start at once. Throws a RangeError naming the
 * rule when the interval cannot be expressed (see intervalProblem).
 *
 * @example cronForInterval(3600, 17) // "17 * * * *"
 * @example cronForInterval(900, 17)  // "2,17,32,47 * * * *"
 */
export function cronForInterval(seconds: number, minuteOffset: number): string {
  const problem = intervalProblem(seconds);
  if (problem) throw new RangeError(`Interval of ${seconds} s ${problem}`);
  const minutes = seconds / 60;
  if (minutes <= 60) {
    const first = minuteOffset % minutes;
    const list = [];
    for (let m = first; m < 60; m += minutes) list.push(m);
    return `${list.join(",")} * * * *`;
  }
  const hours = minutes / 60;
  const list = [];
  for (let h = 0; h < 24; h += hours) list.push(h);
  return `${minuteOffset % 60} ${list.join(",")} * * *`;
}
