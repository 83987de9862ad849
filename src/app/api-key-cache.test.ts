import { describe, expect, it } from 'vitest';
import type { ApiKey } from '../store/types.ts';
import { ApiKeyCache } from './api-key-cache.ts';

const key = (id: string): ApiKey => ({
  id,
  org_id: 'org_a',
  name: id,
  scopes: ['read'],
  hash: `h_${id}`,
  prefix: 'amisi_sk_abcdef',
  created_at: 0,
  revoked_at: null,
});

describe('API key cache', () => {
  it('forgets an entry once its time is up', () => {
    let t = 0;
    const c = new ApiKeyCache(1000, 10, () => t);
    c.set('h1', key('k1'));
    t = 999;
    expect(c.get('h1')?.id).toBe('k1');
    t = 1000;
    expect(c.get('h1')).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it('keeps at most maxEntries, dropping the oldest first', () => {
    let t = 0;
    const c = new ApiKeyCache(1000, 2, () => t);
    c.set('h1', key('k1'));
    t = 1;
    c.set('h2', key('k2'));
    t = 2;
    c.set('h3', key('k3'));
    expect(c.size).toBe(2);
    expect(c.get('h1')).toBeUndefined();
    expect(c.get('h2')?.id).toBe('k2');
    expect(c.get('h3')?.id).toBe('k3');
  });

  it('keeps nothing with a time of 0, and clear() empties it', () => {
    const off = new ApiKeyCache(0);
    off.set('h1', key('k1'));
    expect(off.get('h1')).toBeUndefined();
    const c = new ApiKeyCache(1000);
    c.set('h1', key('k1'));
    c.clear();
    expect(c.get('h1')).toBeUndefined();
  });
});
