/**
 * `_summary` and `_elements` (R4 search.html#summary, #elements): a resource reduced to some of its
 * top-level elements, tagged SUBSETTED so that nobody mistakes it for the whole resource.
 */
import type { Resource } from '@medplum/fhirtypes';
import { topLevelElements } from '../validation/definitions';

export const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED', display: 'subsetted' };

const ALWAYS = new Set(['resourceType', 'id', 'meta']);

/** The resource as `_summary=true|text|data` shows it (`false` and `count` are handled by the caller). */
export function summarize(resource: Resource, mode: 'true' | 'text' | 'data'): Resource {
  const { summary, mandatory } = topLevelElements(resource.resourceType);
  if (mode === 'data') return tag(pick(resource, (name) => name !== 'text'));
  if (mode === 'text') return tag(pick(resource, (name) => name === 'text' || has(mandatory, name)));
  return tag(pick(resource, (name) => has(summary, name) || has(mandatory, name)));
}

/** The resource with only the listed top-level elements (plus id, meta and the mandatory ones). */
export function selectElements(resource: Resource, elements: readonly string[]): Resource {
  const { mandatory } = topLevelElements(resource.resourceType);
  const wanted = new Set(elements.map((e) => (e.startsWith(`${resource.resourceType}.`) ? e.slice(resource.resourceType.length + 1) : e).split('.')[0]));
  return tag(pick(resource, (name) => wanted.has(name) || has(mandatory, name) || [...wanted].some((w) => isChoiceOf(w, name))));
}

/** Is a JSON property name (`valueQuantity`, `_birthDate`) one of `names` (`value[x]`, `birthDate`)? */
function has(names: ReadonlySet<string>, property: string): boolean {
  const name = property.startsWith('_') ? property.slice(1) : property;
  if (names.has(name)) return true;
  for (const n of names) if (n.endsWith('[x]') && name.startsWith(n.slice(0, -3)) && /^[A-Z]/.test(name.slice(n.length - 3))) return true;
  return false;
}

/** `valueQuantity` is the JSON form of the choice element `value` (so `_elements=value` keeps it). */
function isChoiceOf(element: string, property: string): boolean {
  return property.startsWith(element) && /^[A-Z]/.test(property.slice(element.length));
}

function pick(resource: Resource, keep: (name: string) => boolean): Resource {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(resource)) if (ALWAYS.has(name) || keep(name)) out[name] = value;
  return out as unknown as Resource;
}

function tag(resource: Resource): Resource {
  const meta = resource.meta ?? {};
  const tags = (meta.tag ?? []).filter((t) => !(t.system === SUBSETTED.system && t.code === SUBSETTED.code));
  return { ...resource, meta: { ...meta, tag: [...tags, SUBSETTED] } };
}
