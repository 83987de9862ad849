/** The webhook URL check of the form says what the server's rule is: http or https, absolute, no credentials. */
import { describe, expect, it } from 'vitest';
import { webhookUrlProblem } from './webhook-url';

describe('webhookUrlProblem', () => {
  it('accepts http as well as https, as the server does', () => {
    expect(webhookUrlProblem('https://hooks.example.com/amisi')).toBeNull();
    expect(webhookUrlProblem('http://hooks.example.com/amisi')).toBeNull();
    expect(webhookUrlProblem('  http://hooks.example.com:8080/in?x=1  ')).toBeNull();
  });
  it('asks for a full URL starting http:// or https://, naming both', () => {
    for (const raw of ['', 'hooks.example.com/amisi', '/amisi', 'https//x'])
      expect(webhookUrlProblem(raw)).toBe('Enter the full URL, starting http:// or https://');
  });
  it('refuses other schemes', () => {
    expect(webhookUrlProblem('ftp://hooks.example.com/')).toBe('The URL must start with http:// or https://');
    expect(webhookUrlProblem('mailto:ops@example.com')).toBe('The URL must start with http:// or https://');
  });
  it('refuses a URL that carries a user name or password', () => {
    expect(webhookUrlProblem('https://me:secret@hooks.example.com/')).toBe(
      'Leave the user name and password out of the URL.',
    );
  });
});
