/**
 * What the form can tell about a webhook URL before asking the API: the server's own rule
 * for its form (src/notifications/targets.ts, checkWebhookUrl): an absolute URL, http or
 * https, with no user name or password in it. Whether its host may be reached (private
 * and local addresses are refused unless the server allows them) only the server knows:
 * its refusal is shown as it says it.
 */
export function webhookUrlProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return 'Enter the full URL, starting http:// or https://';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return 'The URL must start with http:// or https://';
  if (url.username || url.password) return 'Leave the user name and password out of the URL.';
  return null;
}
