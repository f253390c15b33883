/**
 * Limits on attachment answers from the R4 core extensions used by SDC:
 * http://hl7.org/fhir/StructureDefinition/maxSize (valueDecimal, bytes) against Attachment.size, or
 * the decoded length of Attachment.data when size is absent; and
 * http://hl7.org/fhir/StructureDefinition/mimeType (valueCode, repeating) against
 * Attachment.contentType, compared without parameters and case-insensitively ("image/*" matches
 * any image type).
 */
import type { Attachment, QuestionnaireItem } from '@medplum/fhirtypes';
import type { Context } from './model';
import { extensionsOf, list, report } from './model';

export const MAX_SIZE_URL = 'http://hl7.org/fhir/StructureDefinition/maxSize';
export const MIME_TYPE_URL = 'http://hl7.org/fhir/StructureDefinition/mimeType';

/** Checks an attachment answer against the item's maxSize and mimeType extensions. */
export function checkAttachment(def: QuestionnaireItem, attachment: Attachment, path: string, ctx: Context): void {
  const item = `item "${def.linkId}"`;
  const maxSize = extensionsOf(def, MAX_SIZE_URL)[0]?.valueDecimal;
  const size = attachmentSize(attachment);
  if (typeof maxSize === 'number' && size !== undefined && size > maxSize) {
    report(ctx, 'error', 'too-long', path, `attachment is ${size} bytes; ${item} allows at most ${maxSize} (maxSize)`);
  }
  const allowed = extensionsOf(def, MIME_TYPE_URL)
    .map((e) => e.valueCode)
    .filter((c): c is string => typeof c === 'string');
  if (allowed.length === 0) return;
  const expected = `${item} accepts ${list(allowed)} (mimeType)`;
  if (typeof attachment.contentType !== 'string') {
    report(ctx, 'error', 'value', path, `attachment has no contentType; ${expected}`);
  } else if (!allowed.some((a) => mimeTypeMatches(a, attachment.contentType as string))) {
    report(ctx, 'error', 'value', path, `attachment contentType is ${attachment.contentType}; ${expected}`);
  }
}

/** The byte size: `size` when given, else the decoded length of base64 `data`; undefined when neither. */
export function attachmentSize(attachment: Attachment): number | undefined {
  if (typeof attachment.size === 'number') return attachment.size;
  if (typeof attachment.data !== 'string') return undefined;
  const data = attachment.data.replace(/\s+/g, '');
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((data.length * 3) / 4) - padding);
}

/** Compares type/subtype ignoring parameters and case; a `type/*` pattern matches every subtype. */
export function mimeTypeMatches(allowed: string, contentType: string): boolean {
  const want = baseType(allowed);
  const got = baseType(contentType);
  if (want.endsWith('/*')) return got.startsWith(want.slice(0, -1));
  return want === got;
}

function baseType(mime: string): string {
  return mime.split(';')[0].trim().toLowerCase();
}
