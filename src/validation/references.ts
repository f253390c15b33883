/**
 * Reference target types (R4 references.html): a Reference(Patient|Group) element SHALL point to a
 * Patient or a Group. The target type is read from Reference.type, a relative or absolute literal
 * reference (`Patient/1`, `http://x/fhir/Patient/1/_history/2`), a conditional reference
 * (`Patient?identifier=..`) or a contained resource (`#id`); `urn:uuid:`/`urn:oid:` references and
 * logical (identifier-only) references carry no type and are not checked. Replaces @medplum/core's
 * check, which only warns and misreads absolute and urn references.
 */
import type { Issue } from '../fhir/outcome';
import { issue } from '../fhir/outcome';
import { isResourceType } from './definitions';
import type { PropertyInfo } from './walk';

const SD = 'http://hl7.org/fhir/StructureDefinition/';
const LITERAL = /(?:^|\/)([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
const CONDITIONAL = /^([A-Z][A-Za-z]+)\?/;

/** Appends an error when a Reference points at a resource type its element does not allow. */
export function checkReferenceTarget(value: unknown, info: PropertyInfo, path: string, contained: ReadonlyMap<string, string>, issues: Issue[]): void {
  if (info.type !== 'Reference' || typeof value !== 'object' || value === null) return;
  const targets = info.element.type.find((t) => t.code === 'Reference')?.targetProfile;
  if (!targets || targets.length === 0 || targets.includes(SD + 'Resource')) return;
  const allowed = targets.filter((t) => t.startsWith(SD)).map((t) => t.slice(SD.length));
  if (allowed.length < targets.length) return; // a profile we do not know: cannot judge
  const ref = value as { reference?: unknown; type?: unknown };
  const found = new Set<string>();
  if (typeof ref.type === 'string' && isResourceType(ref.type)) found.add(ref.type);
  const fromReference = typeof ref.reference === 'string' ? referencedType(ref.reference, contained) : undefined;
  if (fromReference) found.add(fromReference);
  for (const type of found) {
    if (!allowed.includes(type)) {
      const text = `${path} refers to ${withArticle(type)}, but must refer to ${allowed.length > 1 ? 'one of ' : ''}${allowed.join(', ')}`;
      issues.push(issue('error', 'structure', text, path));
      return;
    }
  }
}

/** "a Patient", "an Encounter". */
export function withArticle(type: string): string {
  return `${/^[AEIOU]/.test(type) ? 'an' : 'a'} ${type}`;
}

/** The resource type a reference string points at (`#id` through the contained map), when it names one. */
export function referencedType(reference: string, contained: ReadonlyMap<string, string>): string | undefined {
  if (reference.startsWith('#')) return contained.get(reference.slice(1));
  if (reference.startsWith('urn:')) return undefined;
  const type = CONDITIONAL.exec(reference)?.[1] ?? LITERAL.exec(reference.split(/[?#]/)[0])?.[1];
  return type && isResourceType(type) ? type : undefined;
}
