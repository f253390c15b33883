import { run, stored } from '../../../test/helpers/search-compile';
import { dateRange } from '../../fhir/dates';
import { OPEN_HIGH, OPEN_LOW } from '../index-values';

const DAY = 86_400_000;
const PRECISIONS = ['2020', '2020-06', '2020-06-15', '2020-06-15T10:30Z', '2020-06-15T10:30:15+02:00', '2020-06-15T10:30:15.250Z'];

/** Targets around the search range [lo, hi), named by how they relate to it. */
function targets(lo: number, hi: number) {
  const ranges: Record<string, [number, number]> = {
    same: [lo, hi],
    inside: [lo, lo + 1],
    after: [hi, hi + 1],
    before: [lo - 1, lo],
    around: [lo - 1, hi + 1],
    'overlap-start': [lo - 1, lo + 1],
    'open-end': [lo, OPEN_HIGH],
    far: [lo - 400 * DAY, lo - 399 * DAY],
  };
  return Object.entries(ranges).map(([id, [a, b]]) => stored(id, { birthdate: [{ lo: a, hi: b }] }));
}

const EXPECTED: Record<string, string[]> = {
  eq: ['same', 'inside'],
  ne: ['after', 'before', 'around', 'overlap-start', 'open-end', 'far'],
  gt: ['after', 'around', 'open-end'],
  lt: ['before', 'around', 'overlap-start', 'far'],
  ge: ['same', 'inside', 'after', 'around', 'open-end'],
  le: ['same', 'inside', 'before', 'around', 'overlap-start', 'far'],
  sa: ['after'],
  eb: ['before', 'far'],
  ap: ['same', 'inside', 'after', 'before', 'around', 'overlap-start', 'open-end'],
};

describe('date search compilation', () => {
  for (const text of PRECISIONS) {
    const range = dateRange(text) as { startMs: number; endMs: number };
    for (const [prefix, expected] of Object.entries(EXPECTED)) {
      it(`${prefix}${text} relates the search range to stored ranges as search.html defines`, async () => {
        const docs = targets(range.startMs, range.endMs);
        expect((await run('Patient', { birthdate: `${prefix}${text}` }, docs)).ids).toEqual(expected);
      });
    }
  }

  it('treats a missing prefix as eq', async () => {
    const docs = targets(Date.UTC(2020, 5), Date.UTC(2020, 6));
    expect((await run('Patient', { birthdate: '2020-06' }, docs)).ids).toEqual(EXPECTED.eq);
  });

  it('matches an open Period by its known end', async () => {
    const docs = [stored('from-2019', { date: [{ lo: Date.UTC(2019, 0), hi: OPEN_HIGH }] }), stored('until-2019', { date: [{ lo: OPEN_LOW, hi: Date.UTC(2020, 0) }] })];
    expect((await run('Observation', { date: 'gt2025' }, docs)).ids).toEqual(['from-2019']);
    expect((await run('Observation', { date: 'lt2018' }, docs)).ids).toEqual(['until-2019']);
    expect((await run('Observation', { date: 'sa2019' }, docs)).ids).toEqual([]);
    expect((await run('Observation', { date: 'eb2020' }, docs)).ids).toEqual(['until-2019']);
  });

  it('ORs comma-separated dates and ANDs repeated parameters', async () => {
    const docs = targets(Date.UTC(2020, 5), Date.UTC(2020, 6));
    expect((await run('Patient', { birthdate: 'sa2020-06,eb2020-06' }, docs)).ids).toEqual(['after', 'before', 'far']);
    expect((await run('Patient', { birthdate: ['ge2020-06', 'le2020-06'] }, docs)).ids).toEqual(['same', 'inside', 'around']);
  });

  it('compares _lastUpdated as the instant [t, t+1)', async () => {
    const t = Date.UTC(2024, 0, 15, 10, 30);
    const docs = [stored('start', {}, { lastUpdatedMs: t }), stored('last-ms', {}, { lastUpdatedMs: t + 59_999 }), stored('next', {}, { lastUpdatedMs: t + 60_000 }), stored('prev', {}, { lastUpdatedMs: t - 1 })];
    const minute = '2024-01-15T10:30Z';
    expect((await run('Patient', { _lastUpdated: minute }, docs)).ids).toEqual(['start', 'last-ms']);
    expect((await run('Patient', { _lastUpdated: `gt${minute}` }, docs)).ids).toEqual(['next']);
    expect((await run('Patient', { _lastUpdated: `ge${minute}` }, docs)).ids).toEqual(['start', 'last-ms', 'next']);
    expect((await run('Patient', { _lastUpdated: `lt${minute}` }, docs)).ids).toEqual(['prev']);
    expect((await run('Patient', { _lastUpdated: `le${minute}` }, docs)).ids).toEqual(['start', 'last-ms', 'prev']);
    expect((await run('Patient', { _lastUpdated: `sa${minute}` }, docs)).ids).toEqual(['next']);
    expect((await run('Patient', { _lastUpdated: `eb${minute}` }, docs)).ids).toEqual(['prev']);
    expect((await run('Patient', { _lastUpdated: `ne${minute}` }, docs)).ids).toEqual(['next', 'prev']);
  });
});
