/**
 * Validation of a resource before it is written (and by $validate): base R4 (validate.ts), then
 * every profile that applies: those listed in meta.profile that the server knows (an unknown one is
 * a warning, or an error in strict mode), the consult profile when the resource takes part in a
 * consult (consult-profiles.ts) and any profile the caller names ($validate's `profile`). A
 * QuestionnaireResponse is also checked against its Questionnaire when the server knows it (when it
 * does not: a warning, or an error for a consult's intake response, which must be checkable).
 */
import type { Questionnaire, QuestionnaireResponse, Resource, StructureDefinition } from '@medplum/fhirtypes';
import type { Issue } from '../fhir/outcome';
import { issue } from '../fhir/outcome';
import { consultProfileFor, CONSULT_PROFILES, type ResolveReference } from './consult-profiles';
import type { CompiledProfile } from './profile/compile';
import { checkAgainstProfile } from './profile/evaluate';
import { compiled, lookupCompiled } from './profile/registry';
import { localAnswerTerminology, validateQuestionnaireResponse } from './questionnaire/index';
import { isResourceType } from './definitions';
import { validateBase } from './validate';

/** What validation may look up while it runs: conformance resources and referenced resources. */
export interface ValidationEnv {
  /** A StructureDefinition or Questionnaire by canonical URL (`url` or `url|version`): Relay's package first, then the store. */
  canonical(type: 'StructureDefinition' | 'Questionnaire', canonical: string): Promise<Resource | undefined>;
  /** The resource a literal reference points at; undefined when it is absent, deleted or not local. */
  resolve: ResolveReference;
}

export interface ValidationOptions {
  /** An unknown profile in meta.profile is an error instead of a warning. */
  strictProfiles: boolean;
  /** More profiles to check (e.g. $validate's `profile` parameter); unknown ones are always errors. */
  profiles?: readonly string[];
}

/** Every issue of `resource` (errors and warnings); never throws for bad input. */
export async function validateResource(resource: Resource, env: ValidationEnv, options: ValidationOptions): Promise<Issue[]> {
  const issues = validateBase(resource);
  if (typeof resource !== 'object' || resource === null || !isResourceType(resource.resourceType)) return issues;
  try {
    issues.push(...(await profileAndAnswerIssues(resource, env, options)));
  } catch (err) {
    // Malformed input the base checks already reported can trip a profile check: report, never throw.
    issues.push(issue('error', 'exception', `Validator failure: ${err instanceof Error ? err.message : String(err)}`));
  }
  return issues;
}

async function profileAndAnswerIssues(resource: Resource, env: ValidationEnv, options: ValidationOptions): Promise<Issue[]> {
  const issues: Issue[] = [];
  const listed: unknown = resource.meta?.profile;
  const claimed = (Array.isArray(listed) ? listed : []).filter((p): p is string => typeof p === 'string');
  const consult = await consultProfileFor(resource, env.resolve);
  const wanted = new Map<string, 'claimed' | 'consult' | 'requested'>();
  for (const p of claimed) wanted.set(p, 'claimed');
  if (consult) wanted.set(consult, 'consult');
  for (const p of options.profiles ?? []) wanted.set(p, 'requested');
  for (const [url, why] of wanted) {
    const sd = (await env.canonical('StructureDefinition', url)) as StructureDefinition | undefined;
    if (!sd) {
      const severity = why === 'requested' || options.strictProfiles ? 'error' : 'warning';
      const where = why === 'claimed' ? `${resource.resourceType}.meta.profile` : undefined;
      issues.push(issue(severity, 'not-supported', `Profile ${url} is not known to this server, so the resource was not checked against it`, where));
      continue;
    }
    issues.push(...(await profileIssues(resource, sd, env, why)));
  }
  if (resource.resourceType === 'QuestionnaireResponse') {
    issues.push(...(await questionnaireIssues(resource, env, consult === CONSULT_PROFILES.QuestionnaireResponse)));
  }
  return issues;
}

async function profileIssues(resource: Resource, sd: StructureDefinition, env: ValidationEnv, why: string): Promise<Issue[]> {
  if (sd.type !== resource.resourceType) {
    const where = why === 'claimed' ? `${resource.resourceType}.meta.profile` : undefined;
    return [issue('error', 'invalid', `Profile ${sd.url} constrains ${sd.type}, not ${resource.resourceType}`, where)];
  }
  try {
    const profile = compiled(sd);
    await loadDependencies(profile, env, new Set([profile.url]));
    return checkAgainstProfile(resource, profile, lookupCompiled, resource.resourceType);
  } catch (err) {
    return [issue('error', 'not-supported', `Profile ${sd.url} cannot be used: ${err instanceof Error ? err.message : String(err)}`)];
  }
}

/**
 * Compiles the stored profiles a profile depends on (its parent, its extensions), so the synchronous
 * lookup during the check finds their current versions; ones the server does not know are skipped.
 */
async function loadDependencies(profile: CompiledProfile, env: ValidationEnv, seen: Set<string>): Promise<void> {
  for (const url of profile.dependencies) {
    const key = url.split('|')[0];
    if (seen.has(key) || seen.size > 50) continue;
    seen.add(key);
    const sd = (await env.canonical('StructureDefinition', url)) as StructureDefinition | undefined;
    if (sd?.snapshot) await loadDependencies(compiled(sd), env, seen);
  }
}

async function questionnaireIssues(qr: QuestionnaireResponse, env: ValidationEnv, required: boolean): Promise<Issue[]> {
  if (typeof qr.questionnaire !== 'string') return [];
  const questionnaire = (await env.canonical('Questionnaire', qr.questionnaire)) as Questionnaire | undefined;
  if (!questionnaire) {
    const text = `QuestionnaireResponse.questionnaire: Questionnaire ${qr.questionnaire} is not known to this server, so the answers cannot be checked against it`;
    return [issue(required ? 'error' : 'warning', 'not-found', text, 'QuestionnaireResponse.questionnaire')];
  }
  return validateQuestionnaireResponse(qr, questionnaire, localAnswerTerminology);
}
