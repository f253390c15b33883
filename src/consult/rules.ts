/**
 * The consult rules file (RELAY_CONSULT_RULES, default src/consult/default-rules.json; README
 * "Consult workflow"): due hours per priority, per specialty the intake Questionnaire and the
 * minimum media a submission needs (each a FHIRPath condition on Media and a minimum count), and
 * per jurisdiction the policy for patient-initiated consults (consult/jurisdiction.ts).
 * Read and checked once at start: a bad file stops the server with a message naming the key.
 */
import fs from 'node:fs';
import path from 'node:path';
import { compile } from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';

export const DEFAULT_RULES_FILE = path.join(__dirname, 'default-rules.json');
const PRIORITIES = ['stat', 'asap', 'urgent', 'routine'] as const;
export type Priority = (typeof PRIORITIES)[number];

export interface MediaRule {
  description: string;
  min: number;
  /** FHIRPath on one Media: true when it counts towards `min`. */
  where: string;
  matches: (media: unknown) => boolean;
}

export interface SpecialtyRules {
  /** Canonical URL of the intake Questionnaire whose completed response a submission needs. */
  intake?: string;
  media: MediaRule[];
  /** `direct` (default): assign a specialist; `pool`: assign the specialty's HealthcareService, whose members claim (Task/$claim). */
  route: 'direct' | 'pool';
}

export interface JurisdictionRules {
  /** A patient-initiated consult needs an established relationship (consult/jurisdiction.ts). */
  requiresRelationship: boolean;
  /** Why, in words, for the OperationOutcome. */
  description: string;
}

export interface ConsultRules {
  dueHours: Record<Priority, number>;
  /** By code of the consult-specialty code system; a specialty not listed needs no intake or media. */
  specialties: Record<string, SpecialtyRules>;
  /** By jurisdiction code as in Patient.address.state (upper case), e.g. TX. */
  jurisdictions: Record<string, JurisdictionRules>;
}

/** Reads and checks a rules file (throws an Error naming the file and the key at fault). */
export function loadConsultRules(file: string = DEFAULT_RULES_FILE): ConsultRules {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`consult rules file ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseConsultRules(raw, file);
}

/** Checks the parsed content of a rules file. */
export function parseConsultRules(raw: unknown, source = 'consult rules'): ConsultRules {
  const bad = (key: string, what: string) => new Error(`${source}: ${key} ${what}`);
  const obj = (value: unknown, key: string) => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw bad(key, 'must be an object');
    return value as Record<string, unknown>;
  };
  const top = obj(raw, '(top level)');
  const due = obj(top.dueHours, 'dueHours');
  const dueHours = {} as Record<Priority, number>;
  for (const p of PRIORITIES) {
    const h = due[p];
    if (typeof h !== 'number' || !(h > 0)) throw bad(`dueHours.${p}`, 'must be a positive number of hours');
    dueHours[p] = h;
  }
  const specialties: Record<string, SpecialtyRules> = {};
  for (const [code, value] of Object.entries(obj(top.specialties ?? {}, 'specialties'))) {
    const s = obj(value, `specialties.${code}`);
    if (s.intake !== undefined && typeof s.intake !== 'string') throw bad(`specialties.${code}.intake`, 'must be a canonical URL');
    const media = (Array.isArray(s.media) ? s.media : s.media === undefined ? [] : null) as unknown[] | null;
    if (!media) throw bad(`specialties.${code}.media`, 'must be a list');
    if (s.route !== undefined && s.route !== 'direct' && s.route !== 'pool') throw bad(`specialties.${code}.route`, 'must be "direct" or "pool"');
    specialties[code] = { intake: s.intake as string | undefined, route: (s.route as 'direct' | 'pool' | undefined) ?? 'direct', media: media.map((m, i) => mediaRule(obj(m, `specialties.${code}.media[${i}]`), `specialties.${code}.media[${i}]`, bad)) };
  }
  const jurisdictions: Record<string, JurisdictionRules> = {};
  for (const [code, value] of Object.entries(obj(top.jurisdictions ?? {}, 'jurisdictions'))) {
    const j = obj(value, `jurisdictions.${code}`);
    if (typeof j.requiresRelationship !== 'boolean') throw bad(`jurisdictions.${code}.requiresRelationship`, 'must be true or false');
    if (j.description !== undefined && typeof j.description !== 'string') throw bad(`jurisdictions.${code}.description`, 'must be a text');
    jurisdictions[code.toUpperCase()] = { requiresRelationship: j.requiresRelationship, description: (j.description as string | undefined) ?? `${code} requires an established patient relationship before a patient-initiated consult` };
  }
  return { dueHours, specialties, jurisdictions };
}

function mediaRule(m: Record<string, unknown>, key: string, bad: (key: string, what: string) => Error): MediaRule {
  if (typeof m.description !== 'string' || !m.description) throw bad(`${key}.description`, 'must be a text');
  if (!Number.isInteger(m.min) || (m.min as number) < 1) throw bad(`${key}.min`, 'must be a positive whole number');
  if (typeof m.where !== 'string') throw bad(`${key}.where`, 'must be a FHIRPath expression');
  let run: (resource: object) => unknown[];
  try {
    run = compile(m.where, r4Model) as (resource: object) => unknown[];
  } catch (err) {
    throw bad(`${key}.where`, `is not valid FHIRPath: ${(err as Error).message}`);
  }
  return { description: m.description, min: m.min as number, where: m.where, matches: (media) => run(media as object).some((v) => v === true) };
}

/** The due time of a consult submitted at `at` with `priority` (routine when absent). */
export function dueTime(rules: ConsultRules, priority: string | undefined, at: Date): Date {
  const p = (PRIORITIES as readonly string[]).includes(priority ?? '') ? (priority as Priority) : 'routine';
  return new Date(at.getTime() + rules.dueHours[p] * 3_600_000);
}
