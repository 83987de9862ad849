/**
 * A session's user agent as a person recognises their device: "Chrome 131 on Windows",
 * not the 150 characters the browser sent. The API keeps the raw string (the page shows it
 * on demand); this only reads the browser, its major version and the system. Order matters:
 * Edge and Opera say "Chrome" too, and Chrome says "Safari".
 */

const BROWSERS: [RegExp, string][] = [
  [/\bEdg(?:e|A|iOS)?\/(\d+)/, 'Edge'],
  [/\bOPR\/(\d+)/, 'Opera'],
  [/\bSamsungBrowser\/(\d+)/, 'Samsung Internet'],
  [/\b(?:Firefox|FxiOS)\/(\d+)/, 'Firefox'],
  [/\bHeadlessChrome\/(\d+)/, 'Headless Chrome'],
  [/\b(?:Chrome|CriOS)\/(\d+)/, 'Chrome'],
  [/\bVersion\/(\d+)(?:\.\d+)*(?: Mobile\/\S+)? Safari\//, 'Safari'],
];

const SYSTEMS: [RegExp, string | ((m: RegExpExecArray) => string)][] = [
  [/\bWindows Phone\b/, 'Windows Phone'],
  [/\bWindows\b/, 'Windows'],
  [/\biPhone\b/, 'iPhone'],
  [/\biPad\b/, 'iPad'],
  [/\bAndroid (\d+)/, (m) => `Android ${m[1]}`],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b/, 'Linux'],
];

export interface DeviceSummary {
  browser: string | null;
  system: string | null;
  /** One line: "Chrome 131 on Windows", "curl 8.5.0", "Unknown device". */
  label: string;
}

export function summariseUserAgent(ua: string | null | undefined): DeviceSummary {
  const s = (ua ?? '').trim();
  // Sessions made before the API kept user agents have none.
  if (!s) return { browser: null, system: null, label: 'Unknown device' };
  let browser: string | null = null;
  for (const [re, name] of BROWSERS) {
    const m = re.exec(s);
    if (m) {
      browser = `${name} ${m[1]}`;
      break;
    }
  }
  let system: string | null = null;
  for (const [re, name] of SYSTEMS) {
    const m = re.exec(s);
    if (m) {
      system = typeof name === 'string' ? name : name(m);
      break;
    }
  }
  if (browser) return { browser, system, label: system ? `${browser} on ${system}` : browser };
  // Not a browser: an API client or a script names itself first ("curl/8.5.0", "node").
  const tool = /^([A-Za-z][\w.-]{0,40})(?:\/([\w.-]{1,20}))?/.exec(s);
  const label = tool ? (tool[2] ? `${tool[1]} ${tool[2]}` : tool[1]!) : s.slice(0, 40);
  return { browser: null, system, label: system ? `${label} on ${system}` : label };
}
