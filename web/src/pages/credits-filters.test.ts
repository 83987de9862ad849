import { describe, expect, it } from 'vitest';
import { csvHref, nextDay, nextSearch, pageOf, previousSearch, txnQueryOf } from './credits-filters';

describe('the Credits tab filters in the URL', () => {
  it('turns dates into the API range, the end day included', () => {
    expect(txnQueryOf('type=usage&from=2026-03-01&to=2026-03-31&member=mem_1')).toEqual({
      type: 'usage',
      member_id: 'mem_1',
      from: '2026-03-01T00:00:00Z',
      to: '2026-04-01T00:00:00Z',
    });
    expect(nextDay('2026-12-31')).toBe('2027-01-01T00:00:00Z');
    expect(txnQueryOf('from=yesterday')).toEqual({});
  });
  it('exports exactly the filters shown, never the page', () => {
    expect(csvHref('org_1', txnQueryOf('type=usage&after=txn_9'))).toBe(
      '/v1/orgs/org_1/transactions.csv?type=usage',
    );
    expect(csvHref('org_1', {})).toBe('/v1/orgs/org_1/transactions.csv');
  });
  it('pages forward with the cursor and back through the trail', () => {
    const p2 = nextSearch('type=usage', 'c1');
    expect(pageOf(p2)).toEqual({ after: 'c1', trail: [] });
    const p3 = nextSearch(p2, 'c2');
    expect(pageOf(p3)).toEqual({ after: 'c2', trail: ['c1'] });
    const back = previousSearch(p3);
    expect(pageOf(back)).toEqual({ after: 'c1', trail: [] });
    expect(new URLSearchParams(previousSearch(back)).toString()).toBe('type=usage');
  });
});
