/**
 * Settings: environment variables over an optional JSON file (`AMISI_CONFIG=path`) over
 * defaults. Everything is validated once, at start, and a bad value stops the process with
 * a message naming the setting, where it came from and what is allowed — never later,
 * mid-request. May import from core (the catalog parser) and nothing else of the project.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type Catalog, CatalogError, defaultCatalog, parseCatalog } from '../core/index.ts';

export interface RateLimitConfig {
  /** False switches rate limiting off (tests, or a proxy in front that does it). */
  enabled: boolean;
  /** Sustained requests per second and burst size, per client IP address. */
  per_ip_rps: number;
  per_ip_burst: number;
  /** The same per credential (API key, session, admin key). */
  per_key_rps: number;
  per_key_burst: number;
}

export interface Config {
  port: number;
  host: string;
  database_url: string;
  /** Operator key; null closes the operator endpoints. */
  admin_key: string | null;
  clock: 'system' | 'manual';
  production: boolean;
  /**
   * 'development' completes payments locally; 'stripe' sells through Stripe Checkout;
   * 'disabled' refuses purchases and paid plans. Default: stripe when STRIPE_SECRET_KEY is set.
   */
  payments: 'development' | 'disabled' | 'stripe';
  /** Set exactly when payments is 'stripe'. */
  stripe: StripeConfig | null;
  /** The server's public address (Checkout's return links); default http://HOST:PORT. */
  public_url: string;
  notifications: NotificationsConfig;
  catalog: Catalog;
  catalog_path: string | null;
  log_level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  rate_limit: RateLimitConfig;
  /** Largest accepted request body. */
  body_limit_bytes: number;
  /** Trust X-Forwarded-* from a proxy in front (needed for per-IP limits and Secure cookies there). */
  trust_proxy: boolean;
  /** Session cookies get `Secure` (always in production). */
  secure_cookies: boolean;
  session_ttl_seconds: number;
  /**
   * log2 of scrypt's N for new password hashes: 15 (the secure default, the only value
   * production accepts) down to 10, which only a test suite should use: it signs hundreds of
   * people in, and at 15 each sign-up and sign-in spends ≈ 100 ms of a core in scrypt.
   */
  password_hash_cost: number;
  /**
   * Orgs a signed-in person may own, the one sign-up made included. Each new org starts on
   * Free with its 5 credits, so without a bound an account could open orgs for free credits
   * without end. The operator's key is not bound by it.
   */
  orgs_per_user: number;
  /**
   * How long a server keeps an API key it has read (0: never). A key revoked through this
   * server stops working at once; through another instance or process, within this time.
   */
  api_key_cache_ms: number;
  /** How often the server runs due renewals by itself; 0 = never (the manual clock never does). */
  scheduler_interval_seconds: number;
  /** How often the server delivers webhooks, emails and auto top-ups; 0 = only with the scheduler. */
  delivery_interval_seconds: number;
  /** Generated images and batch records live here (default: the SQLite file's folder, else ./data). */
  data_dir: string;
  generation: GenerationConfig;
}

/** Which image backend renders generations, and the bounds a batch runs within. */
export interface GenerationConfig {
  /** `local`: the built-in preview renderer (not an AI model). `openai`: an OpenAI-compatible API. */
  backend: 'local' | 'openai';
  /** Set exactly when backend is `openai`. */
  openai: {
    base_url: string;
    api_key: string;
    model: string;
    timeout_ms: number;
    max_retries: number;
  } | null;
  /** Renders in flight for one batch. */
  concurrency: number;
  /** Batches rendering at once for one org; more are refused with 429 until one finishes. */
  batches_per_org: number;
  /** Batches rendering at once on this instance, all orgs together. */
  max_batches: number;
}

export interface StripeConfig {
  secret_key: string;
  webhook_secret: string;
  /** Stripe price ids by tier id (needed to sell that plan) and pack id (optional). */
  prices: Record<string, string>;
  /** Another Stripe API host (a local stand-in in tests); null = Stripe's own. */
  api_url: string | null;
}

export interface NotificationsConfig {
  /** smtp:// or smtps:// URL; null keeps emails in the outbox (readable through the API). */
  smtp_url: string | null;
  email_from: string;
  /**
   * Without SMTP, where mail to one person (verification links, invitations) is written as
   * .eml files for a developer to open; default `<data_dir>/mail`.
   */
  mail_dir: string;
  webhook_timeout_ms: number;
  /** Allow webhook URLs on this machine or private networks (never in production). */
  webhooks_allow_private: boolean;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Source = Record<string, unknown>;

/** src/app/passwords.ts's cost, repeated here (config imports only core); a test holds them equal. */
const PASSWORD_HASH_COST = 15;

/** Keys a config file may set, with the environment variable that overrides each. */
const SETTINGS = {
  port: 'PORT',
  host: 'HOST',
  database_url: 'DATABASE_URL',
  admin_key: 'AMISI_ADMIN_KEY',
  clock: 'AMISI_CLOCK',
  node_env: 'NODE_ENV',
  payments: 'AMISI_PAYMENTS',
  catalog: 'AMISI_CATALOG',
  log_level: 'LOG_LEVEL',
  rate_limit: 'AMISI_RATE_LIMIT',
  rate_limit_per_ip_rps: 'AMISI_RATE_LIMIT_PER_IP_RPS',
  rate_limit_per_ip_burst: 'AMISI_RATE_LIMIT_PER_IP_BURST',
  rate_limit_per_key_rps: 'AMISI_RATE_LIMIT_PER_KEY_RPS',
  rate_limit_per_key_burst: 'AMISI_RATE_LIMIT_PER_KEY_BURST',
  body_limit_bytes: 'AMISI_BODY_LIMIT_BYTES',
  trust_proxy: 'AMISI_TRUST_PROXY',
  secure_cookies: 'AMISI_SECURE_COOKIES',
  session_ttl_seconds: 'AMISI_SESSION_TTL_SECONDS',
  password_hash_cost: 'AMISI_PASSWORD_HASH_COST',
  orgs_per_user: 'AMISI_ORGS_PER_USER',
  api_key_cache_ms: 'AMISI_API_KEY_CACHE_MS',
  scheduler_interval_seconds: 'AMISI_SCHEDULER_INTERVAL_SECONDS',
  delivery_interval_seconds: 'AMISI_DELIVERY_INTERVAL_SECONDS',
  stripe_secret_key: 'STRIPE_SECRET_KEY',
  stripe_webhook_secret: 'STRIPE_WEBHOOK_SECRET',
  stripe_prices: 'AMISI_STRIPE_PRICES',
  stripe_api_url: 'STRIPE_API_URL',
  public_url: 'AMISI_PUBLIC_URL',
  smtp_url: 'SMTP_URL',
  email_from: 'AMISI_EMAIL_FROM',
  mail_dir: 'AMISI_MAIL_DIR',
  webhook_timeout_ms: 'AMISI_WEBHOOK_TIMEOUT_MS',
  webhooks_allow_private: 'AMISI_WEBHOOKS_ALLOW_PRIVATE',
  data_dir: 'AMISI_DATA_DIR',
  image_backend: 'AMISI_IMAGE_BACKEND',
  openai_base_url: 'AMISI_OPENAI_BASE_URL',
  openai_api_key: 'AMISI_OPENAI_API_KEY',
  openai_model: 'AMISI_OPENAI_MODEL',
  openai_timeout_ms: 'AMISI_OPENAI_TIMEOUT_MS',
  openai_max_retries: 'AMISI_OPENAI_MAX_RETRIES',
  generation_concurrency: 'AMISI_GENERATION_CONCURRENCY',
  generation_batches_per_org: 'AMISI_GENERATION_BATCHES_PER_ORG',
  generation_max_batches: 'AMISI_GENERATION_MAX_BATCHES',
} as const;
type Setting = keyof typeof SETTINGS;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Settings that win over everything (tests build servers this way). */
  overrides?: Partial<Record<Setting, unknown>>;
  cwd?: string;
}

/** Reads and validates every setting; throws ConfigError with a message for a person. */
export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  let file: Source = {};
  const filePath = env.AMISI_CONFIG;
  if (filePath) {
    let text: string;
    try {
      text = readFileSync(resolve(cwd, filePath), 'utf8');
    } catch (e) {
      throw new ConfigError(`AMISI_CONFIG=${filePath}: cannot read the file (${(e as Error).message})`);
    }
    try {
      file = JSON.parse(text) as Source;
    } catch (e) {
      throw new ConfigError(`AMISI_CONFIG=${filePath}: not valid JSON (${(e as Error).message})`);
    }
    if (typeof file !== 'object' || file === null || Array.isArray(file))
      throw new ConfigError(`AMISI_CONFIG=${filePath}: expected a JSON object of settings`);
    for (const k of Object.keys(file))
      if (!(k in SETTINGS))
        throw new ConfigError(
          `AMISI_CONFIG=${filePath}: unknown setting "${k}"; known: ${Object.keys(SETTINGS).join(', ')}`,
        );
  }

  /** The raw value of a setting and a label saying where it came from, for messages. */
  const get = (k: Setting): { value: unknown; from: string } | undefined => {
    if (opts.overrides && opts.overrides[k] !== undefined) return { value: opts.overrides[k], from: k };
    const e = env[SETTINGS[k]];
    if (e !== undefined && e !== '') return { value: e, from: SETTINGS[k] };
    if (file[k] !== undefined) return { value: file[k], from: `${k} in ${filePath}` };
    return undefined;
  };
  const fail = (from: string, value: unknown, expected: string): never => {
    const shown =
      typeof value === 'string' && /key/i.test(from)
        ? '(hidden)'
        : JSON.stringify(
            typeof value === 'string' ? value.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@') : value,
          );
    throw new ConfigError(`${from}=${shown} is invalid: expected ${expected}`);
  };
  const int = (k: Setting, dflt: number, min: number, max: number): number => {
    const s = get(k);
    if (!s) return dflt;
    const n = typeof s.value === 'string' && /^-?\d+$/.test(s.value.trim()) ? Number(s.value) : s.value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max)
      fail(s.from, s.value, `an integer from ${min} to ${max}`);
    return n as number;
  };
  const bool = (k: Setting, dflt: boolean): boolean => {
    const s = get(k);
    if (!s) return dflt;
    if (typeof s.value === 'boolean') return s.value;
    const v = String(s.value).trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    return fail(s.from, s.value, 'true or false (also 1/0, on/off, yes/no)');
  };
  const oneOf = <T extends string>(k: Setting, dflt: T, allowed: readonly T[]): T => {
    const s = get(k);
    if (!s) return dflt;
    if (typeof s.value !== 'string' || !allowed.includes(s.value as T))
      fail(s.from, s.value, `one of ${allowed.join(', ')}`);
    return s.value as T;
  };
  const str = (k: Setting): { value: string; from: string } | null => {
    const s = get(k);
    if (!s) return null;
    if (typeof s.value !== 'string' || s.value.length === 0) fail(s.from, s.value, 'a non-empty string');
    return s as { value: string; from: string };
  };

  const port = int('port', 3000, 0, 65535);
  const hostS = str('host');
  const host = hostS?.value ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.:[\]-]{1,255}$/.test(host)) fail(hostS!.from, host, 'a host name or IP address');

  const dbS = str('database_url');
  const database_url = dbS?.value ?? 'sqlite:./data/amisi.db';
  if (!/^sqlite:.+/.test(database_url) && !/^postgres(ql)?:\/\/.+/.test(database_url))
    fail(dbS?.from ?? 'DATABASE_URL', database_url, 'sqlite:<path> or postgres://user@host:port/db');

  const adminS = str('admin_key');
  const admin_key = adminS?.value ?? null;
  if (admin_key !== null && (admin_key.length < 16 || admin_key.length > 512 || /\s/.test(admin_key)))
    throw new ConfigError(
      `${adminS!.from} is invalid: expected 16 to 512 characters without spaces (use a long random secret)`,
    );

  const clock = oneOf('clock', 'system', ['system', 'manual'] as const);
  const nodeEnv = get('node_env');
  const production = nodeEnv?.value === 'production';
  const stripeKey = str('stripe_secret_key');
  const payments = oneOf('payments', stripeKey ? 'stripe' : 'development', [
    'development',
    'disabled',
    'stripe',
  ] as const);
  let stripe: StripeConfig | null = null;
  if (payments === 'stripe') {
    if (!stripeKey) throw new ConfigError('AMISI_PAYMENTS=stripe needs STRIPE_SECRET_KEY');
    const hook = str('stripe_webhook_secret');
    if (!hook) throw new ConfigError('AMISI_PAYMENTS=stripe needs STRIPE_WEBHOOK_SECRET (whsec_…)');
    const pricesS = get('stripe_prices');
    let prices: unknown = {};
    if (pricesS) {
      try {
        prices = typeof pricesS.value === 'string' ? JSON.parse(pricesS.value) : pricesS.value;
      } catch {
        prices = null;
      }
      if (
        typeof prices !== 'object' ||
        prices === null ||
        Array.isArray(prices) ||
        !Object.values(prices).every((v) => typeof v === 'string' && /^[A-Za-z0-9_]{1,200}$/.test(v))
      )
        fail(
          pricesS.from,
          pricesS.value,
          'a JSON object of price ids, e.g. {"basic":"price_…","pack_20":"price_…"}',
        );
    }
    const apiS = str('stripe_api_url');
    if (apiS && !/^https?:\/\/[^/]+\/?$/.test(apiS.value))
      fail(apiS.from, apiS.value, 'a base URL such as http://127.0.0.1:12111');
    stripe = {
      secret_key: stripeKey.value,
      webhook_secret: hook.value,
      prices: prices as Record<string, string>,
      api_url: apiS?.value ?? null,
    };
  }
  const publicS = str('public_url');
  if (publicS && !/^https?:\/\/\S+$/.test(publicS.value))
    fail(publicS.from, publicS.value, 'an http(s) URL such as https://credits.example.com');
  const smtpS = str('smtp_url');
  if (smtpS && !/^smtps?:\/\/\S+$/.test(smtpS.value))
    fail(smtpS.from, smtpS.value, 'an smtp:// or smtps:// URL');
  const log_level = oneOf('log_level', 'info', LOG_LEVELS);

  let catalog = defaultCatalog;
  const catS = str('catalog');
  const catalog_path = catS ? resolve(cwd, catS.value) : null;
  if (catS && catalog_path) {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(catalog_path, 'utf8'));
    } catch (e) {
      throw new ConfigError(`${catS.from}=${catS.value}: cannot read the catalog (${(e as Error).message})`);
    }
    try {
      catalog = parseCatalog(doc);
    } catch (e) {
      if (e instanceof CatalogError) throw new ConfigError(`${catS.from}=${catS.value}: ${e.message}`);
      throw e;
    }
  }

  const rate_limit: RateLimitConfig = {
    enabled: bool('rate_limit', true),
    per_ip_rps: int('rate_limit_per_ip_rps', 200, 1, 1_000_000),
    per_ip_burst: int('rate_limit_per_ip_burst', 400, 1, 1_000_000),
    per_key_rps: int('rate_limit_per_key_rps', 100, 1, 1_000_000),
    per_key_burst: int('rate_limit_per_key_burst', 200, 1, 1_000_000),
  };

  const dataS = str('data_dir');
  const data_dir = dataS
    ? resolve(cwd, dataS.value)
    : database_url.startsWith('sqlite:')
      ? dirname(resolve(cwd, database_url.slice('sqlite:'.length)))
      : resolve(cwd, 'data');

  const mailS = str('mail_dir');

  const backend = oneOf('image_backend', 'local', ['local', 'openai'] as const);
  let openai: GenerationConfig['openai'] = null;
  if (backend === 'openai') {
    const need = (k: Setting) => {
      const s = str(k);
      if (!s) throw new ConfigError(`AMISI_IMAGE_BACKEND=openai needs ${SETTINGS[k]}`);
      return s;
    };
    const url = need('openai_base_url');
    let parsed: URL | null = null;
    try {
      parsed = new URL(url.value);
    } catch {}
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:'))
      fail(url.from, url.value, 'an http(s) URL such as https://api.openai.com/v1');
    openai = {
      base_url: url.value,
      api_key: need('openai_api_key').value,
      model: str('openai_model')?.value ?? 'gpt-image-1',
      timeout_ms: int('openai_timeout_ms', 120_000, 100, 600_000),
      max_retries: int('openai_max_retries', 2, 0, 10),
    };
  }
  const generation: GenerationConfig = {
    backend,
    openai,
    concurrency: int('generation_concurrency', 2, 1, 8),
    batches_per_org: int('generation_batches_per_org', 2, 1, 100),
    max_batches: int('generation_max_batches', 16, 1, 1000),
  };

  const config: Config = {
    port,
    host,
    database_url,
    admin_key,
    clock,
    production,
    payments,
    catalog,
    catalog_path,
    log_level,
    rate_limit,
    body_limit_bytes: int('body_limit_bytes', 64 * 1024, 1024, 16 * 1024 * 1024),
    trust_proxy: bool('trust_proxy', false),
    secure_cookies: bool('secure_cookies', production),
    session_ttl_seconds: int('session_ttl_seconds', 7 * 24 * 3600, 60, 90 * 24 * 3600),
    password_hash_cost: int('password_hash_cost', PASSWORD_HASH_COST, 10, PASSWORD_HASH_COST),
    orgs_per_user: int('orgs_per_user', 5, 1, 1000),
    api_key_cache_ms: int('api_key_cache_ms', 1000, 0, 60_000),
    scheduler_interval_seconds: int('scheduler_interval_seconds', 60, 0, 24 * 3600),
    delivery_interval_seconds: int('delivery_interval_seconds', 2, 0, 3600),
    stripe,
    public_url: publicS?.value ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    notifications: {
      smtp_url: smtpS?.value ?? null,
      email_from: str('email_from')?.value ?? 'Amisi Credits <credits@localhost>',
      mail_dir: mailS ? resolve(cwd, mailS.value) : join(data_dir, 'mail'),
      webhook_timeout_ms: int('webhook_timeout_ms', 10_000, 100, 60_000),
      webhooks_allow_private: bool('webhooks_allow_private', !production),
    },
    data_dir,
    generation,
  };

  if (production) {
    const refuse = (why: string) => {
      throw new ConfigError(`NODE_ENV=production refuses ${why}`);
    };
    if (config.clock === 'manual') refuse('AMISI_CLOCK=manual (the test clock)');
    if (config.payments === 'development')
      refuse(
        'the development payment provider, which completes payments without charging anyone; set AMISI_PAYMENTS=disabled until a real provider is configured',
      );
    if (config.admin_key !== null && config.admin_key.length < 32)
      refuse('an AMISI_ADMIN_KEY shorter than 32 characters');
    if (config.password_hash_cost < PASSWORD_HASH_COST)
      refuse(
        `AMISI_PASSWORD_HASH_COST below ${PASSWORD_HASH_COST} (cheaper password hashes are for test suites)`,
      );
    if (!config.secure_cookies) refuse('AMISI_SECURE_COOKIES=false (session cookies must be Secure)');
    if (config.notifications.webhooks_allow_private)
      refuse('AMISI_WEBHOOKS_ALLOW_PRIVATE=true (webhooks must not reach this machine or a private network)');
    if (openai && new URL(openai.base_url).protocol !== 'https:' && !isLoopback(openai.base_url))
      refuse('an http:// AMISI_OPENAI_BASE_URL off this machine (the API key would travel in the clear)');
  }
  return config;
}

const isLoopback = (url: string) => ['localhost', '127.0.0.1', '[::1]'].includes(new URL(url).hostname);
