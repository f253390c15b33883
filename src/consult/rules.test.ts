import { dueTime, loadConsultRules, parseConsultRules } from './rules';

const base = { dueHours: { stat: 1, asap: 4, urgent: 24, routine: 72 } };

describe('the consult rules file', () => {
  it('loads the shipped default rules', () => {
    const rules = loadConsultRules();
    expect(rules.dueHours).toEqual({ stat: 1, asap: 4, urgent: 24, routine: 72 });
    expect(rules.specialties.dermatology.intake).toBe('https://relay.example/fhir/Questionnaire/intake-dermatology');
    expect(rules.specialties.radiology.route).toBe('pool');
    expect(rules.specialties.dermatology.route).toBe('direct');
    expect(rules.jurisdictions.TX.requiresRelationship).toBe(true);
  });

  it('compiles each media condition and counts a Media only when it holds', () => {
    const rules = parseConsultRules({ ...base, specialties: { x: { media: [{ description: 'a video', min: 1, where: "type.coding.where(code = 'video').exists()" }] } } });
    const rule = rules.specialties.x.media[0];
    expect(rule.matches({ resourceType: 'Media', type: { coding: [{ code: 'video' }] } })).toBe(true);
    expect(rule.matches({ resourceType: 'Media', type: { coding: [{ code: 'image' }] } })).toBe(false);
  });

  it.each([
    [{ dueHours: { ...base.dueHours, stat: 0 } }, /dueHours.stat must be a positive number/],
    [{ dueHours: { stat: 1, asap: 4, urgent: 24 } }, /dueHours.routine must be a positive number/],
    [{ ...base, specialties: { x: { media: [{ description: 'd', min: 1, where: 'type.where(' }] } } }, /specialties.x.media\[0\].where is not valid FHIRPath/],
    [{ ...base, specialties: { x: { media: [{ description: 'd', min: 0, where: 'true' }] } } }, /specialties.x.media\[0\].min must be a positive whole number/],
    [{ ...base, specialties: { x: { route: 'nearest' } } }, /specialties.x.route must be "direct" or "pool"/],
    [{ ...base, specialties: { x: { intake: 7 } } }, /specialties.x.intake must be a canonical URL/],
    [{ ...base, jurisdictions: { tx: { requiresRelationship: 'yes' } } }, /jurisdictions.tx.requiresRelationship must be true or false/],
  ])('refuses a bad file, naming the key (%#)', (raw, message) => {
    expect(() => parseConsultRules(raw, 'rules.json')).toThrow(message);
  });

  it('sets the due time from the priority, routine when absent or unknown', () => {
    const rules = parseConsultRules(base);
    const at = new Date('2026-01-01T00:00:00Z');
    expect(dueTime(rules, 'stat', at).toISOString()).toBe('2026-01-01T01:00:00.000Z');
    expect(dueTime(rules, undefined, at).toISOString()).toBe('2026-01-04T00:00:00.000Z');
    expect(dueTime(rules, 'whenever', at).toISOString()).toBe('2026-01-04T00:00:00.000Z');
  });

  it('reads jurisdiction codes case-insensitively (upper case, as Patient.address.state is compared)', () => {
    const rules = parseConsultRules({ ...base, jurisdictions: { tx: { requiresRelationship: true } } });
    expect(rules.jurisdictions.TX.description).toMatch(/tx requires an established patient relationship/);
  });
});
