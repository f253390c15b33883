/**
 * Binary through a holder (issue 7; R4 binary.html#security: "access to a Binary is controlled by
 * the resource that references it"): a token may read Binary/<id> only when it may see a current
 * Media (content.url), DocumentReference (content.attachment.url) or DiagnosticReport
 * (presentedForm.url) that links it as `Binary/<id>` or `<base>/Binary/<id>`. The caller's
 * visibility filter of each holder type is ANDed into the lookup, so a patient's lookup runs on
 * their compartment's index entries, not on every Media.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Collections } from '../storage/port';
import { currentCollection, type CurrentDoc } from '../repository/documents';
import type { Visible } from './visible';

export const BINARY_HOLDERS: readonly { type: string; path: string }[] = [
  { type: 'Media', path: 'resource.content.url' },
  { type: 'DocumentReference', path: 'resource.content.attachment.url' },
  { type: 'DiagnosticReport', path: 'resource.presentedForm.url' },
];

/** Does a resource the caller may see (`sees`: type scopes, `visible`: compartment/consults) link Binary/`id`? */
export async function binaryHeldFor(db: Collections, id: string, visible: Visible, sees: (resource: Resource) => boolean, baseUrl: string): Promise<boolean> {
  const urls = [`Binary/${id}`, `${baseUrl}/Binary/${id}`];
  for (const { type, path } of BINARY_HOLDERS) {
    const scope = visible.filter(type);
    const filter = { $and: [{ deleted: false }, { [path]: { $in: urls } }, ...(scope ? [scope] : [])] };
    const docs = await db.collection<CurrentDoc>(currentCollection(type)).find(filter, { limit: 20 });
    if (docs.some((d) => d.resource && sees(d.resource) && visible.contains(d.resource))) return true;
  }
  return false;
}
