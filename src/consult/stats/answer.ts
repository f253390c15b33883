/**
 * The answer of $stats as a Parameters resource (README "Consult workflow", "$stats"): the range and
 * the moment it was computed at, then one `group` parameter per group, its figures as parts.
 */
import type { Parameters, ParametersParameter, Quantity } from '@medplum/fhirtypes';
import type { Durations, GroupKey, StatsGroup } from './groups';
import { minutes } from './percentiles';

export interface StatsWindow {
  /** The inputs as given (absent when not given). */
  start?: string;
  end?: string;
  /** The server time the open consults were judged overdue at. */
  now: Date;
}

/** The Parameters for `groups`. */
export function statsParameters(groups: readonly StatsGroup[], window: StatsWindow): Parameters {
  const parameter: ParametersParameter[] = [];
  if (window.start !== undefined) parameter.push({ name: 'start', valueDateTime: window.start });
  if (window.end !== undefined) parameter.push({ name: 'end', valueDateTime: window.end });
  parameter.push({ name: 'now', valueInstant: window.now.toISOString() });
  for (const group of groups) parameter.push({ name: 'group', part: groupParts(group) });
  return { resourceType: 'Parameters', parameter };
}

function groupParts(group: StatsGroup): ParametersParameter[] {
  const parts: ParametersParameter[] = [{ name: 'by', valueCode: group.by }];
  const key = keyPart(group.key);
  if (key) parts.push(key);
  parts.push({ name: 'count', valueInteger: group.count });
  parts.push(...durationParts('firstAction', group.firstAction));
  parts.push(...durationParts('completion', group.completion));
  parts.push({ name: 'overdue', valueInteger: group.overdue });
  parts.push({ name: 'overdueOpen', valueInteger: group.overdueOpen });
  parts.push({ name: 'completedLate', valueInteger: group.completedLate });
  return parts;
}

function keyPart(key: GroupKey): ParametersParameter | undefined {
  switch (key.kind) {
    case 'none':
      return undefined;
    case 'coding':
      return { name: 'key', valueCoding: key.coding };
    case 'reference':
      return { name: 'key', valueReference: { reference: key.reference } };
    case 'code':
      return { name: 'key', valueCode: key.code };
    case 'string':
      return { name: 'key', valueString: key.text };
    default:
      return exhaustive(key);
  }
}

function durationParts(prefix: 'firstAction' | 'completion', d: Durations): ParametersParameter[] {
  const parts: ParametersParameter[] = [{ name: `${prefix}Count`, valueInteger: d.count }];
  if (d.medianMs !== undefined) parts.push({ name: `${prefix}Median`, valueQuantity: inMinutes(d.medianMs) });
  if (d.p90Ms !== undefined) parts.push({ name: `${prefix}P90`, valueQuantity: inMinutes(d.p90Ms) });
  return parts;
}

/** A duration as a UCUM Quantity in minutes, one decimal place. */
function inMinutes(ms: number): Quantity {
  return { value: minutes(ms), unit: 'min', system: 'http://unitsofmeasure.org', code: 'min' };
}

function exhaustive(value: never): never {
  throw new Error(`unexpected group key ${JSON.stringify(value)}`);
}
