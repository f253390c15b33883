/**
 * Which answer `value[x]` types an item type accepts (R4 questionnaire.html, item-type code system
 * and "The data type of the value must agree with the item.type"; R4 questionnaireresponse.html,
 * item.answer.value[x]), and a light shape check of each value so later comparisons are safe.
 * choice takes valueCoding and open-choice valueCoding or valueString; both also take the types of
 * their answerOption values (R4 answerOption.value[x] may be integer, date, time, string, Coding or
 * Reference).
 */
import type { QuestionnaireItem } from '@medplum/fhirtypes';
import type { TypedValue, ValueType } from './model';
import { asArray, isRecord, valuesOf } from './model';

const BY_ITEM_TYPE: Record<string, readonly ValueType[]> = {
  boolean: ['boolean'],
  decimal: ['decimal'],
  integer: ['integer'],
  date: ['date'],
  dateTime: ['dateTime'],
  time: ['time'],
  string: ['string'],
  text: ['string'],
  url: ['uri'],
  choice: ['Coding'],
  'open-choice': ['Coding', 'string'],
  attachment: ['Attachment'],
  reference: ['Reference'],
  quantity: ['Quantity'],
};

/** The value types an item accepts; undefined when its type puts no constraint (abstract `question`, unknown). */
export function allowedValueTypes(def: QuestionnaireItem): ValueType[] | undefined {
  const base = BY_ITEM_TYPE[def.type];
  if (!base) return undefined;
  const out = new Set<ValueType>(base);
  if (def.type === 'choice' || def.type === 'open-choice') {
    for (const option of asArray(def.answerOption)) for (const v of valuesOf(option, 'value')) out.add(v.type);
  }
  return [...out];
}

const DATE = /^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$/;
const DATE_TIME = /^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01])(T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00)))?)?)?$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?$/;

/** Why a value does not have the JSON shape of its type, or undefined when it does. */
export function shapeProblem(v: TypedValue): string | undefined {
  const value = v.value;
  switch (v.type) {
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'a boolean';
    case 'integer':
      return Number.isInteger(value) ? undefined : 'an integer';
    case 'decimal':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'a number';
    case 'date':
      return typeof value === 'string' && DATE.test(value) ? undefined : 'a date (YYYY, YYYY-MM or YYYY-MM-DD)';
    case 'dateTime':
      return typeof value === 'string' && DATE_TIME.test(value) ? undefined : 'a dateTime (a date, or YYYY-MM-DDThh:mm:ss with a time zone)';
    case 'time':
      return typeof value === 'string' && TIME.test(value) ? undefined : 'a time (hh:mm:ss)';
    case 'string':
    case 'uri':
      return typeof value === 'string' ? undefined : 'a string';
    default:
      return isRecord(value) ? undefined : 'a JSON object';
  }
}
