import type { Resource } from '@medplum/fhirtypes';
import { loadR4Definitions } from '../../validation/definitions';
import { OPEN_HIGH, OPEN_LOW } from '../index-values';
import { dateRange } from './date';
import { indexResource } from './index';

beforeAll(() => loadR4Definitions());

const index = (resource: Resource) => indexResource(resource, { baseUrl: 'https://relay.example/fhir' });
const utc = (...parts: [number, number, ...number[]]) => Date.UTC(...parts);

describe('date extraction', () => {
  it('turns each precision into the range it covers', () => {
    expect(dateRange('2013')).toEqual({ lo: utc(2013, 0), hi: utc(2014, 0) });
    expect(dateRange('2013-12')).toEqual({ lo: utc(2013, 11), hi: utc(2014, 0) });
    expect(dateRange('2024-02-29')).toEqual({ lo: utc(2024, 1, 29), hi: utc(2024, 2, 1) });
    expect(dateRange('2013-01-14T10:00Z')).toEqual({ lo: utc(2013, 0, 14, 10), hi: utc(2013, 0, 14, 10, 1) });
    expect(dateRange('2013-01-14T10:00:05Z')).toEqual({ lo: utc(2013, 0, 14, 10, 0, 5), hi: utc(2013, 0, 14, 10, 0, 6) });
    expect(dateRange('2013-01-14T10:00:05.5Z')).toEqual({ lo: utc(2013, 0, 14, 10, 0, 5, 500), hi: utc(2013, 0, 14, 10, 0, 5, 600) });
    expect(dateRange('2013-01-14T10:00:05.123Z')).toEqual({ lo: utc(2013, 0, 14, 10, 0, 5, 123), hi: utc(2013, 0, 14, 10, 0, 5, 124) });
    expect(dateRange('2013-01-14T10:00:05.123456Z')).toEqual({ lo: utc(2013, 0, 14, 10, 0, 5, 123), hi: utc(2013, 0, 14, 10, 0, 5, 124) });
    expect(dateRange('0001')).toEqual({ lo: Date.parse('0001-01-01T00:00:00Z'), hi: Date.parse('0002-01-01T00:00:00Z') });
  });

  it('applies the time zone, and takes times without a zone (and dates) as UTC', () => {
    expect(dateRange('2013-01-14T10:00:00+10:00')).toEqual({ lo: utc(2013, 0, 14, 0), hi: utc(2013, 0, 14, 0, 0, 1) });
    expect(dateRange('2013-01-14T10:00:00-05:30')).toEqual({ lo: utc(2013, 0, 14, 15, 30), hi: utc(2013, 0, 14, 15, 30, 1) });
    expect(dateRange('2013-01-14T10:00:00')).toEqual({ lo: utc(2013, 0, 14, 10), hi: utc(2013, 0, 14, 10, 0, 1) });
  });

  it('rejects what is not a FHIR date', () => {
    for (const bad of ['2013-13', '2019-02-29', '2013-01-32', '13-01-01', 'January 2012', '2013-01-14T25:00:00Z', '']) expect(dateRange(bad)).toBeUndefined();
  });

  it('indexes date, dateTime and instant elements', () => {
    expect(index({ resourceType: 'Patient', birthDate: '1974-12-25' }).sp.birthdate).toEqual([{ lo: utc(1974, 11, 25), hi: utc(1974, 11, 26) }]);
    const obs = index({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, effectiveDateTime: '2013-04-02T09:30:10+01:00' });
    expect(obs.sp.date).toEqual([{ lo: utc(2013, 3, 2, 8, 30, 10), hi: utc(2013, 3, 2, 8, 30, 11) }]);
    expect(obs.sort.date).toBe(utc(2013, 3, 2, 8, 30, 10));
    const audit = index({
      resourceType: 'AuditEvent',
      type: { code: 'rest' },
      recorded: '2012-10-25T22:04:27.123+11:00',
      agent: [{ requestor: true }],
      source: { observer: { display: 'x' } },
    });
    expect(audit.sp.date).toEqual([{ lo: utc(2012, 9, 25, 11, 4, 27, 123), hi: utc(2012, 9, 25, 11, 4, 27, 124) }]);
  });

  it('indexes a Period from start to end, with open ends where one is missing', () => {
    const enc = (period: object) => index({ resourceType: 'Encounter', status: 'finished', class: { code: 'AMB' }, period } as Resource).sp.date;
    expect(enc({ start: '2015-01-17', end: '2015-01-18' })).toEqual([{ lo: utc(2015, 0, 17), hi: utc(2015, 0, 19) }]);
    expect(enc({ start: '2015-01-17T16:00:00+10:00' })).toEqual([{ lo: utc(2015, 0, 17, 6), hi: OPEN_HIGH }]);
    expect(enc({ end: '2015' })).toEqual([{ lo: OPEN_LOW, hi: utc(2016, 0) }]);
    expect(enc({})).toBeUndefined();
  });

  it('indexes a Timing by its outer limits: earliest to latest event, or the repeat bounds', () => {
    const sr = (occurrenceTiming: object) =>
      index({ resourceType: 'ServiceRequest', status: 'active', intent: 'order', subject: { reference: 'Patient/p' }, occurrenceTiming } as Resource).sp.occurrence;
    expect(sr({ event: ['2020-03-05', '2020-03-01T10:00:00Z', '2020-03-03'] })).toEqual([{ lo: utc(2020, 2, 1, 10), hi: utc(2020, 2, 6) }]);
    expect(sr({ repeat: { boundsPeriod: { start: '2020-03-01' }, frequency: 1, period: 1, periodUnit: 'd' } })).toEqual([{ lo: utc(2020, 2, 1), hi: OPEN_HIGH }]);
    expect(sr({ repeat: { frequency: 3, period: 1, periodUnit: 'wk' } })).toBeUndefined();
  });

  it('ignores string alternatives of date parameters (free text, not dates)', () => {
    const imm = index({
      resourceType: 'Immunization',
      status: 'completed',
      vaccineCode: { text: 'x' },
      patient: { reference: 'Patient/p' },
      occurrenceString: 'January 2012',
    });
    expect(imm.sp.date).toBeUndefined();
  });
});
