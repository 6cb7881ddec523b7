/**
 * Harbor's schedule syntax (utils.ValidateCronString: robfig/cron with a
 * seconds field): six fields — second minute hour day-of-month month
 * day-of-week — whose first must be "0", or a descriptor (@daily, @every 1h,
 * …). Only the check; the job service runs schedules.
 */

const FIELDS: { name: string; min: number; max: number; names?: string[] }[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day of week', min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

const DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const EVERY = /^@every (?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;

function value(text: string, field: (typeof FIELDS)[number]): number | undefined {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + field.min;
  if (!/^\d{1,2}$/.test(text)) return undefined;
  const number = Number(text);
  return number >= field.min && number <= field.max ? number : undefined;
}

function fieldProblem(text: string, field: (typeof FIELDS)[number]): string | undefined {
  for (const part of text.split(',')) {
    const [range, step, ...rest] = part.split('/');
    if (rest.length > 0 || range === undefined || range === '') return `${field.name} "${text}" is not a valid field`;
    if (step !== undefined && !/^[1-9]\d{0,2}$/.test(step)) return `${field.name} step "${step}" is not a positive number`;
    // robfig reads "?" as "*", in the two day fields only.
    if (range === '*' || (range === '?' && field.name.startsWith('day'))) continue;
    const [low, high, ...more] = range.split('-');
    if (more.length > 0) return `${field.name} "${range}" is not a valid range`;
    const lowValue = value(low!, field);
    const highValue = high === undefined ? lowValue : value(high, field);
    if (lowValue === undefined || highValue === undefined) return `${field.name} "${range}" is outside ${field.min}-${field.max}`;
    if (lowValue > highValue) return `${field.name} range "${range}" runs backwards`;
  }
  return undefined;
}

/** Undefined when `cron` is a schedule Harbor accepts, else why not. */
export function cronProblem(cron: string): string | undefined {
  const trimmed = cron.trim();
  if (trimmed.startsWith('@')) return DESCRIPTORS.has(trimmed) || EVERY.test(trimmed) ? undefined : `unknown descriptor ${JSON.stringify(trimmed)}`;
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 6) return `expected 6 fields (second minute hour day-of-month month day-of-week), found ${fields.length}`;
  if (fields[0] !== '0') return 'the 1st field (indicating Seconds of time) of the cron setting must be 0';
  for (const [index, field] of FIELDS.entries()) {
    const problem = fieldProblem(fields[index]!, field);
    if (problem) return problem;
  }
  return undefined;
}
