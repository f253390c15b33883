/**
 * Shared types and helpers for checking a QuestionnaireResponse against its Questionnaire: the
 * terminology port, typed answer values (the R4 `value[x]` / `answer[x]` choice types of
 * QuestionnaireResponse.item.answer, Questionnaire.item.answerOption and .enableWhen), extension
 * lookup, message formatting and the reporting context every check appends to.
 * Spec: R4 questionnaireresponse.html (item.answer.value[x]); questionnaire.html.
 */
import type { Extension, QuestionnaireItem } from '@medplum/fhirtypes';
import type { Issue, IssueCode } from '../../fhir/outcome';
import { issue } from '../../fhir/outcome';
import type { Enablement } from './enableWhen';

export interface AnswerTerminology {
  /** true/false when the value set can be checked locally; undefined when it cannot (then skip, maybe a warning). */
  contains(valueSetUrl: string, coding: { system?: string; code?: string }): boolean | undefined;
}

/** The R4 answer types, named as FHIRPath `ofType()` names them. */
export const VALUE_TYPES = ['boolean', 'decimal', 'integer', 'date', 'dateTime', 'time', 'string', 'uri', 'Attachment', 'Coding', 'Quantity', 'Reference'] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

export interface TypedValue {
  type: ValueType;
  value: unknown;
}

/** Every `<prefix><Type>` property present on an element (more than one is malformed JSON). */
export function valuesOf(element: unknown, prefix: 'value' | 'answer'): TypedValue[] {
  if (!isRecord(element)) return [];
  const out: TypedValue[] = [];
  for (const type of VALUE_TYPES) {
    const value = element[prefix + type.charAt(0).toUpperCase() + type.slice(1)];
    if (value !== undefined && value !== null) out.push({ type, value });
  }
  return out;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The array itself, or [] for anything else (malformed input never throws). */
export function asArray<T>(value: T[] | undefined): T[] {
  return Array.isArray(value) ? value : [];
}

/** Extensions of an item with a given url. */
export function extensionsOf(item: QuestionnaireItem, url: string): Extension[] {
  return asArray(item.extension).filter((e) => isRecord(e) && e.url === url);
}

/** A value for a message: strings quoted and shortened, codings as system|code. */
export function show(v: TypedValue): string {
  const value = v.value;
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (!isRecord(value)) return String(value);
  switch (v.type) {
    case 'Coding':
      return value.system ? `${String(value.system)}|${String(value.code)}` : `code ${JSON.stringify(value.code)}`;
    case 'Quantity':
      return `${String(value.value)} ${String(value.unit ?? value.code ?? '')}`.trim();
    case 'Reference':
      return `reference ${JSON.stringify(value.reference)}`;
    default:
      return v.type;
  }
}

/** A quoted, comma-separated list, shortened after `max` entries. */
export function list(items: string[], max = 10): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown}, ... (${items.length} in all)` : shown;
}

/** Where issues go, plus what the checks need besides the items themselves. */
export interface Context {
  issues: Issue[];
  terminology: AnswerTerminology;
  /** 'error' when the response claims to be complete (completed, amended), else 'information'. */
  requiredSeverity: 'error' | 'information';
  /** Every Questionnaire item by linkId, with the linkId of its parent item (undefined at the top). */
  definitions: Map<string, { def: QuestionnaireItem; parent?: string }>;
  enablement: Enablement;
}

/** Appends an issue whose text starts with the FHIRPath it is about. */
export function report(ctx: Context, severity: Issue['severity'], code: IssueCode, path: string, message: string): void {
  ctx.issues.push(issue(severity, code, `${path}: ${message}`, path));
}
