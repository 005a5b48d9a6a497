// The web config file of Prometheus exporters (prometheus/exporter-toolkit, docs/web-configuration.md):
// TLS for the endpoints (server certificate, client certificates), basic auth with bcrypt hashes,
// response headers and a rate limit. The same file node_exporter takes with --web.config.file works
// here unchanged. Parsing is strict as the toolkit's (an unknown key is an error); every problem
// names the file and the key. Relative paths are relative to the file's directory, as there.
import { readFileSync } from 'node:fs';
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { createSecureContext, type SecureContextOptions, type SecureVersion } from 'node:tls';
import path from 'node:path';
import { ConfigError, describeValue } from '../config/errors.js';
import { parseYaml } from '../config/file.js';

export const CLIENT_AUTH_TYPES = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

/** The toolkit's version names → Node's. */
const TLS_VERSIONS: Readonly<Record<string, SecureVersion>> = {
  TLS10: 'TLSv1',
  TLS11: 'TLSv1.1',
  TLS12: 'TLSv1.2',
  TLS13: 'TLSv1.3',
};
const VERSION_RANK: Readonly<Record<SecureVersion, number>> = { TLSv1: 0, 'TLSv1.1': 1, 'TLSv1.2': 2, 'TLSv1.3': 3 };

/** Go's cipher suite names (crypto/tls, the ones the toolkit accepts) → OpenSSL's. The three TLS 1.3
 *  suites are accepted and, as in Go, do not restrict TLS 1.3 (its suites are not configurable there). */
const TLS13_SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
const CIPHER_SUITES: Readonly<Record<string, string>> = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA: 'ECDHE-RSA-DES-CBC3-SHA',
  TLS_RSA_WITH_3DES_EDE_CBC_SHA: 'DES-CBC3-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  ...Object.fromEntries(TLS13_SUITES.map((s) => [s, s])),
};
/** Go's curve names → OpenSSL's group names. */
const CURVES: Readonly<Record<string, string>> = {
  CurveP256: 'P-256',
  CurveP384: 'P-384',
  CurveP521: 'P-521',
  X25519: 'X25519',
};

/** Response headers the toolkit lets a file set, and the values it allows (none listed: any value). */
const HEADERS: Readonly<Record<string, readonly string[] | undefined>> = {
  'Strict-Transport-Security': undefined,
  'X-Content-Type-Options': ['nosniff'],
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-XSS-Protection': undefined,
  'Content-Security-Policy': undefined,
};

export interface TlsServerConfig {
  /** Absolute paths (relative ones resolved against the web config file's directory). */
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly clientCaFile?: string;
  /** PEM given inline (cert, key, client_ca); a *_file wins when both are set, as in the toolkit. */
  readonly certPem?: string;
  readonly keyPem?: string;
  readonly clientCaPem?: string;
  readonly clientAuth: ClientAuthType;
  readonly clientAllowedSans?: readonly string[];
  readonly minVersion: SecureVersion;
  readonly maxVersion: SecureVersion;
  /** Go names as written. */
  readonly cipherSuites: readonly string[];
  readonly preferServerCipherSuites: boolean;
  readonly curvePreferences: readonly string[];
}

export interface WebConfig {
  readonly file: string;
  /** Unset: plain HTTP (a file with only basic_auth_users, as the toolkit allows). */
  readonly tls?: TlsServerConfig;
  readonly http2: boolean;
  readonly headers: Readonly<Record<string, string>>;
  /** user → bcrypt hash. Empty: no basic auth. */
  readonly users: ReadonlyMap<string, string>;
  /** A token bucket over every request (429 beyond it). */
  readonly rateLimit?: { readonly intervalMs: number; readonly burst: number };
}

/** The certificate files read and checked: what the TLS server is given. */
export interface TlsMaterials {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly clientCa?: Buffer;
  /** Of the leaf certificate, for /status and logs. */
  readonly subject: string;
  readonly notAfter: string;
  readonly fingerprint256: string;
}

export interface LoadedWebConfig {
  readonly config: WebConfig;
  readonly tls?: TlsMaterials;
  /** Every file read (the config, certificates, keys, CA): what a reload watches. */
  readonly files: readonly string[];
}

type Mapping = Record<string, unknown>;
const isMapping = (v: unknown): v is Mapping => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Go's time.ParseDuration for the forms a config uses ("1s", "1m30s", "250ms", "0"); milliseconds. */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  while (at < text.length) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) return undefined;
    total += Number(m[1]) * units[m[2]];
    at = re.lastIndex;
  }
  return at > 0 ? total : undefined;
}

/** A bcrypt hash as Go's bcrypt.Cost accepts it: $2[a|b|y]$NN$ with a cost of 4..31 and 53 characters. */
export function isBcryptHash(v: string): boolean {
  const m = /^\$2[aby]?\$(\d\d)\$[./A-Za-z0-9]{53}$/.exec(v);
  return m !== null && Number(m[1]) >= 4 && Number(m[1]) <= 31;
}

class Problems {
  readonly list: string[] = [];
  constructor(private readonly file: string) {}
  at(where: string, found: unknown, expected: string): void {
    this.list.push(`${this.file}: at ${where}: found ${describeValue(found)}, expected ${expected}`);
  }
  say(where: string, text: string): void {
    this.list.push(`${this.file}: at ${where}: ${text}`);
  }
}

function unknownKeys(p: Problems, where: string | undefined, m: Mapping, allowed: readonly string[]): void {
  for (const k of Object.keys(m)) {
    if (!allowed.includes(k))
      p.say(where ? `${where}.${k}` : k, `found an unknown key, expected one of: ${allowed.join(', ')}`);
  }
}

function optionalString(p: Problems, where: string, v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') {
    p.at(where, v, 'a string');
    return undefined;
  }
  return v === '' ? undefined : v;
}

function stringList(p: Problems, where: string, v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    p.at(where, v, 'a list of strings');
    return undefined;
  }
  return v as string[];
}

function optionalBool(p: Problems, where: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') {
    p.at(where, v, 'true or false');
    return dflt;
  }
  return v;
}

const TLS_KEYS = [
  'cert',
  'key',
  'client_ca',
  'cert_file',
  'key_file',
  'client_auth_type',
  'client_ca_file',
  'client_allowed_sans',
  'min_version',
  'max_version',
  'cipher_suites',
  'prefer_server_cipher_suites',
  'curve_preferences',
];

function parseTls(p: Problems, v: unknown, dir: string): TlsServerConfig | undefined {
  const W = 'tls_server_config';
  if (v === undefined || v === null) return undefined;
  if (!isMapping(v)) {
    p.at(W, v, 'a mapping');
    return undefined;
  }
  unknownKeys(p, W, v, TLS_KEYS);
  const file = (k: string): string | undefined => {
    const f = optionalString(p, `${W}.${k}`, v[k]);
    return f === undefined ? undefined : path.resolve(dir, f);
  };
  const certFile = file('cert_file');
  const keyFile = file('key_file');
  const clientCaFile = file('client_ca_file');
  const certPem = optionalString(p, `${W}.cert`, v.cert);
  const keyPem = optionalString(p, `${W}.key`, v.key);
  const clientCaPem = optionalString(p, `${W}.client_ca`, v.client_ca);
  const authText = optionalString(p, `${W}.client_auth_type`, v.client_auth_type);
  // As the toolkit: TLS is on when any of these is set; a section with only versions or ciphers is plain HTTP.
  if ([certFile, keyFile, clientCaFile, certPem, keyPem, clientCaPem, authText].every((x) => x === undefined))
    return undefined;
  let clientAuth: ClientAuthType = 'NoClientCert';
  if (authText !== undefined) {
    // RequireClientCert: the toolkit's old spelling of RequireAnyClientCert, still accepted there.
    const a = authText === 'RequireClientCert' ? 'RequireAnyClientCert' : authText;
    if ((CLIENT_AUTH_TYPES as readonly string[]).includes(a)) clientAuth = a as ClientAuthType;
    else p.at(`${W}.client_auth_type`, authText, `one of: ${CLIENT_AUTH_TYPES.join(', ')}`);
  }
  if (certFile === undefined && certPem === undefined)
    p.say(W, 'found no certificate, expected cert_file (or cert) to be set');
  if (keyFile === undefined && keyPem === undefined) p.say(W, 'found no key, expected key_file (or key) to be set');
  if ((clientCaFile !== undefined || clientCaPem !== undefined) && clientAuth === 'NoClientCert') {
    p.say(
      `${W}.client_auth_type`,
      'found a client CA without a client auth policy, expected client_auth_type to be set ' +
        '(RequireAndVerifyClientCert checks client certificates against it)',
    );
  }
  if (clientAuth === 'RequireAndVerifyClientCert' || clientAuth === 'VerifyClientCertIfGiven') {
    if (clientCaFile === undefined && clientCaPem === undefined) {
      p.say(
        `${W}.client_ca_file`,
        `found nothing, expected the CA that signs client certificates (client_auth_type ${clientAuth} verifies them)`,
      );
    }
  }
  const clientAllowedSans = stringList(p, `${W}.client_allowed_sans`, v.client_allowed_sans);
  if (
    clientAllowedSans !== undefined &&
    clientAuth !== 'RequireAnyClientCert' &&
    clientAuth !== 'RequireAndVerifyClientCert'
  ) {
    p.say(
      `${W}.client_allowed_sans`,
      'needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert ' +
        '(a client must present a certificate to match)',
    );
  }
  const version = (k: 'min_version' | 'max_version', dflt: SecureVersion): SecureVersion => {
    const t = optionalString(p, `${W}.${k}`, v[k]);
    if (t === undefined) return dflt;
    const ver = TLS_VERSIONS[t];
    if (ver === undefined) p.at(`${W}.${k}`, t, `one of: ${Object.keys(TLS_VERSIONS).join(', ')}`);
    return ver ?? dflt;
  };
  const minVersion = version('min_version', 'TLSv1.2');
  const maxVersion = version('max_version', 'TLSv1.3');
  if (VERSION_RANK[minVersion] > VERSION_RANK[maxVersion])
    p.say(`${W}.min_version`, `found a minimum above max_version, expected at most ${String(v.max_version)}`);
  const cipherSuites = stringList(p, `${W}.cipher_suites`, v.cipher_suites) ?? [];
  for (const [i, c] of cipherSuites.entries()) {
    if (CIPHER_SUITES[c] === undefined)
      p.at(`${W}.cipher_suites[${i}]`, c, `a cipher suite by its Go name: ${Object.keys(CIPHER_SUITES).join(', ')}`);
  }
  const curvePreferences = stringList(p, `${W}.curve_preferences`, v.curve_preferences) ?? [];
  for (const [i, c] of curvePreferences.entries()) {
    if (CURVES[c] === undefined) p.at(`${W}.curve_preferences[${i}]`, c, `one of: ${Object.keys(CURVES).join(', ')}`);
  }
  return {
    ...(certFile !== undefined ? { certFile } : {}),
    ...(keyFile !== undefined ? { keyFile } : {}),
    ...(clientCaFile !== undefined ? { clientCaFile } : {}),
    ...(certPem !== undefined ? { certPem } : {}),
    ...(keyPem !== undefined ? { keyPem } : {}),
    ...(clientCaPem !== undefined ? { clientCaPem } : {}),
    clientAuth,
    ...(clientAllowedSans !== undefined ? { clientAllowedSans } : {}),
    minVersion,
    maxVersion,
    cipherSuites,
    preferServerCipherSuites: optionalBool(p, `${W}.prefer_server_cipher_suites`, v.prefer_server_cipher_suites, true),
    curvePreferences,
  };
}

/** Parses and checks the file's text (nothing else is read); throws ConfigError naming every problem. */
export function parseWebConfig(text: string, file: string): WebConfig {
  const p = new Problems(file);
  const value = parseYaml(text, file);
  if (!isMapping(value))
    throw new ConfigError([
      `${file}: at (top level): found ${describeValue(value)}, expected a mapping (exporter-toolkit's web config)`,
    ]);
  unknownKeys(p, undefined, value, ['tls_server_config', 'http_server_config', 'basic_auth_users', 'rate_limit']);
  const tls = parseTls(p, value.tls_server_config, path.dirname(path.resolve(file)));

  let http2 = true;
  const headers: Record<string, string> = {};
  const hsc = value.http_server_config;
  if (hsc !== undefined && hsc !== null) {
    if (!isMapping(hsc)) p.at('http_server_config', hsc, 'a mapping');
    else {
      unknownKeys(p, 'http_server_config', hsc, ['http2', 'headers']);
      http2 = optionalBool(p, 'http_server_config.http2', hsc.http2, true);
      if (hsc.headers !== undefined && hsc.headers !== null) {
        if (!isMapping(hsc.headers))
          p.at('http_server_config.headers', hsc.headers, 'a mapping of header names to values');
        else {
          for (const [name, val] of Object.entries(hsc.headers)) {
            const where = `http_server_config.headers.${name}`;
            if (!(name in HEADERS)) {
              p.say(
                where,
                `found a header that cannot be configured, expected one of: ${Object.keys(HEADERS).join(', ')}`,
              );
              continue;
            }
            if (typeof val !== 'string') {
              p.at(where, val, 'a string');
              continue;
            }
            const allowed = HEADERS[name];
            if (allowed && !allowed.includes(val)) {
              p.at(where, val, `one of: ${allowed.join(', ')}`);
              continue;
            }
            if (val !== '') headers[name] = val;
          }
        }
      }
    }
  }

  const users = new Map<string, string>();
  const bau = value.basic_auth_users;
  if (bau !== undefined && bau !== null) {
    if (!isMapping(bau)) p.at('basic_auth_users', bau, 'a mapping of user names to bcrypt hashes');
    else {
      for (const [user, hash] of Object.entries(bau)) {
        // Never echo a hash or a password into a message.
        if (typeof hash !== 'string' || !isBcryptHash(hash))
          p.say(
            `basic_auth_users.${user}`,
            'found something that is not a bcrypt hash, expected one like $2y$10$… ' +
              '(htpasswd -nBC 10 "" | tr -d \':\\n\')',
          );
        else users.set(user, hash);
      }
    }
  }

  let rateLimit: WebConfig['rateLimit'];
  const rl = value.rate_limit;
  if (rl !== undefined && rl !== null) {
    if (!isMapping(rl)) p.at('rate_limit', rl, 'a mapping with interval and burst');
    else {
      unknownKeys(p, 'rate_limit', rl, ['interval', 'burst']);
      // Go's yaml reads a bare integer as nanoseconds.
      const ms =
        typeof rl.interval === 'number'
          ? rl.interval / 1e6
          : typeof rl.interval === 'string'
            ? parseGoDuration(rl.interval)
            : rl.interval === undefined
              ? 0
              : undefined;
      if (ms === undefined || ms < 0)
        p.at('rate_limit.interval', rl.interval, 'a duration like 1s or 100ms (0 turns the limit off)');
      const burst = rl.burst ?? 0;
      if (typeof burst !== 'number' || !Number.isInteger(burst) || burst < 0)
        p.at('rate_limit.burst', burst, 'a whole number >= 0');
      // As golang.org/x/time/rate: a burst of 0 allows nothing.
      else if (ms !== undefined && ms > 0) rateLimit = { intervalMs: ms, burst };
    }
  }
  if (p.list.length > 0) throw new ConfigError(p.list);
  return { file, ...(tls ? { tls } : {}), http2, headers, users, ...(rateLimit ? { rateLimit } : {}) };
}

function readPart(
  p: Problems,
  where: string,
  file: string | undefined,
  inline: string | undefined,
  files: string[],
): Buffer | undefined {
  if (file !== undefined) {
    files.push(file);
    try {
      return readFileSync(file);
    } catch (err) {
      p.say(where, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return undefined;
    }
  }
  return inline !== undefined ? Buffer.from(inline) : undefined;
}

/** The PEM blocks of one kind in a bundle. */
function pemBlocks(pem: string, label: string): string[] {
  return pem.match(new RegExp(`-----BEGIN ${label}-----[\\s\\S]*?-----END ${label}-----`, 'g')) ?? [];
}

/** The secure context options for Node's TLS server from a parsed config and its materials. */
export function secureContextOptions(t: TlsServerConfig, m: TlsMaterials): SecureContextOptions {
  const tls12 = t.cipherSuites.filter((c) => !TLS13_SUITES.includes(c)).map((c) => CIPHER_SUITES[c]);
  return {
    cert: m.cert,
    key: m.key,
    ...(m.clientCa ? { ca: m.clientCa } : {}),
    minVersion: t.minVersion,
    maxVersion: t.maxVersion,
    // Listing TLS 1.2 suites must not switch TLS 1.3 off (Node reads both from one string).
    ...(tls12.length > 0 ? { ciphers: [...TLS13_SUITES, ...tls12].join(':') } : {}),
    honorCipherOrder: t.preferServerCipherSuites,
    ...(t.curvePreferences.length > 0 ? { ecdhCurve: t.curvePreferences.map((c) => CURVES[c]).join(':') } : {}),
  };
}

function loadTls(p: Problems, t: TlsServerConfig, files: string[]): TlsMaterials | undefined {
  const W = 'tls_server_config';
  const certWhere = t.certFile !== undefined ? `${W}.cert_file` : `${W}.cert`;
  const keyWhere = t.keyFile !== undefined ? `${W}.key_file` : `${W}.key`;
  const caWhere = t.clientCaFile !== undefined ? `${W}.client_ca_file` : `${W}.client_ca`;
  const cert = readPart(p, certWhere, t.certFile, t.certPem, files);
  const key = readPart(p, keyWhere, t.keyFile, t.keyPem, files);
  const clientCa = readPart(p, caWhere, t.clientCaFile, t.clientCaPem, files);
  let leaf: X509Certificate | undefined;
  if (cert) {
    const blocks = pemBlocks(cert.toString('latin1'), 'CERTIFICATE');
    try {
      if (blocks.length === 0) throw new Error('no PEM certificate in it');
      leaf = new X509Certificate(blocks[0]);
    } catch (err) {
      p.say(certWhere, `found no usable certificate (${(err as Error).message}), expected a PEM certificate (chain)`);
    }
  }
  let keyObject: KeyObject | undefined;
  if (key) {
    try {
      keyObject = createPrivateKey(key);
    } catch (err) {
      p.say(
        keyWhere,
        `found no usable private key (${(err as Error).message.split('\n')[0]}), ` +
          'expected an unencrypted PEM private key',
      );
    }
  }
  if (leaf && keyObject && !leaf.checkPrivateKey(keyObject))
    p.say(keyWhere, `found a key that does not belong to the certificate (${leaf.subject.replace(/\n/g, ', ')})`);
  if (clientCa) {
    const blocks = pemBlocks(clientCa.toString('latin1'), 'CERTIFICATE');
    if (blocks.length === 0)
      p.say(caWhere, 'found no PEM certificate, expected the CA certificate(s) that sign client certificates');
    for (const b of blocks) {
      try {
        new X509Certificate(b);
      } catch (err) {
        p.say(caWhere, `found a certificate that does not parse (${(err as Error).message})`);
        break;
      }
    }
  }
  if (!cert || !key || !leaf || !keyObject || p.list.length > 0) return undefined;
  const m: TlsMaterials = {
    cert,
    key,
    ...(clientCa ? { clientCa } : {}),
    subject: leaf.subject.replace(/\n/g, ', '),
    notAfter: new Date(leaf.validTo).toISOString(),
    fingerprint256: leaf.fingerprint256,
  };
  try {
    // What OpenSSL alone can refuse (a cipher list it has none of, a curve it lacks).
    createSecureContext(secureContextOptions(t, m));
  } catch (err) {
    const msg = (err as Error).message;
    const where = /cipher/i.test(msg) ? `${W}.cipher_suites` : /curve|group/i.test(msg) ? `${W}.curve_preferences` : W;
    p.say(where, `the TLS library refused the settings: ${msg}`);
    return undefined;
  }
  return m;
}

/** Reads the file and everything it names, and checks them; throws ConfigError naming each problem. */
export function loadWebConfig(file: string): LoadedWebConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([
      `${file}: cannot read the web config file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    ]);
  }
  if (text.length > 1024 * 1024)
    throw new ConfigError([
      `${file}: found a file of ${text.length} characters, expected a web config file of at most 1 MiB`,
    ]);
  const config = parseWebConfig(text, file);
  const files = [path.resolve(file)];
  if (!config.tls) return { config, files };
  const p = new Problems(file);
  const tls = loadTls(p, config.tls, files);
  if (p.list.length > 0 || !tls)
    throw new ConfigError(p.list.length > 0 ? p.list : [`${file}: at tls_server_config: cannot load the certificate`]);
  return { config, tls, files };
}

/** SAN values of a peer certificate as Go lists them (DNS names, e-mail addresses, IPs, URIs). */
export function certificateSans(subjectaltname: string | undefined): string[] {
  if (!subjectaltname) return [];
  const out: string[] = [];
  // Node: 'DNS:a.example, IP Address:10.0.0.1, email:x@y, URI:spiffe://…' (values with commas are quoted).
  for (const m of subjectaltname.matchAll(/(DNS|IP Address|email|URI):("(?:[^"\\]|\\.)*"|[^,]*)/g)) {
    const raw = m[2].trim();
    out.push(raw.startsWith('"') ? (JSON.parse(raw) as string) : raw);
  }
  return out;
}
