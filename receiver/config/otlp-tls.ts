// The OpenTelemetry SDK's TLS variables for OTLP export, checked at start. The exporters read them
// themselves (CA: OTEL_EXPORTER_OTLP[_METRICS|_LOGS]_CERTIFICATE; client certificate and key for
// mTLS: _CLIENT_CERTIFICATE, _CLIENT_KEY; headers: _HEADERS), but a file they cannot read, a client
// certificate without its key, or a malformed header list only costs a diagnostic nobody sees and
// an export that fails later. Here each is a configuration error naming the variable.
import { readFileSync } from 'node:fs';
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import path from 'node:path';

type Env = Readonly<Record<string, string | undefined>>;

const SIGNALS = ['METRICS', 'LOGS'] as const;

function set(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

function readVar(env: Env, name: string, problems: string[]): { file: string; text: string } | undefined {
  const file = set(env, name);
  if (file === undefined) return undefined;
  try {
    // As the exporters: relative to the working directory.
    return { file, text: readFileSync(path.resolve(file), 'latin1') };
  } catch (err) {
    problems.push(
      `environment variable ${name}: cannot read ${file}: ` +
        `${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
    return undefined;
  }
}

function certificates(
  name: string,
  r: { file: string; text: string },
  what: string,
  problems: string[],
): X509Certificate[] {
  const blocks = r.text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  const out: X509Certificate[] = [];
  for (const b of blocks) {
    try {
      out.push(new X509Certificate(b));
    } catch (err) {
      problems.push(
        `environment variable ${name}: ${r.file} holds a certificate that does not parse ` +
          `(${(err as Error).message}), expected ${what}`,
      );
      return [];
    }
  }
  if (blocks.length === 0)
    problems.push(`environment variable ${name}: found no PEM certificate in ${r.file}, expected ${what}`);
  return out;
}

/** A `key=value,key=value` header list as the SDK reads it (values %-encoded); never echoes a value. */
function headerProblems(name: string, text: string, grpc: boolean): string[] {
  const out: string[] = [];
  text.split(',').forEach((part, i) => {
    if (part.trim() === '') return;
    const eq = part.indexOf('=');
    if (eq <= 0 || part.slice(0, eq).trim() === '') {
      out.push(
        `environment variable ${name}: entry ${i + 1} is not key=value, expected headers like api-key=…,x-tenant=…`,
      );
      return;
    }
    const key = part.slice(0, eq).trim();
    let value: string;
    try {
      value = decodeURIComponent(part.slice(eq + 1));
    } catch {
      out.push(`environment variable ${name}: the value of "${key}" is not valid %-encoding`);
      return;
    }
    // gRPC metadata carries printable ASCII only; the exporter would throw at start.
    if (grpc && !/^[\x20-\x7e]*$/.test(value.trim()))
      out.push(
        `environment variable ${name}: the value of "${key}" has characters gRPC metadata cannot carry, ` +
          'expected printable ASCII',
      );
  });
  return out;
}

export interface OtlpTlsCheck {
  readonly problems: string[];
  readonly warnings: string[];
}

/** Checks the variables for both signals (the signal's own variable wins over the shared one, as in
 *  the SDK). `endpoints`: the URL each signal exports to, when it exports. */
export function checkOtlpTls(
  env: Env,
  endpoints: Partial<Record<(typeof SIGNALS)[number], string>>,
  grpc: boolean,
): OtlpTlsCheck {
  const problems: string[] = [];
  const warnings: string[] = [];
  const ca = new Map<string, X509Certificate[]>();
  const certs = new Map<string, X509Certificate[]>();
  const keys = new Map<string, KeyObject | undefined>();
  for (const prefix of ['OTEL_EXPORTER_OTLP_', ...SIGNALS.map((s) => `OTEL_EXPORTER_OTLP_${s}_`)]) {
    const caVar = `${prefix}CERTIFICATE`;
    const r = readVar(env, caVar, problems);
    if (r)
      ca.set(caVar, certificates(caVar, r, "the CA certificate(s) that signed the collector's certificate", problems));
    const certVar = `${prefix}CLIENT_CERTIFICATE`;
    const c = readVar(env, certVar, problems);
    if (c) certs.set(certVar, certificates(certVar, c, 'the client certificate (chain) for mTLS', problems));
    const keyVar = `${prefix}CLIENT_KEY`;
    const k = readVar(env, keyVar, problems);
    if (k) {
      try {
        keys.set(keyVar, createPrivateKey(k.text));
      } catch (err) {
        problems.push(
          `environment variable ${keyVar}: found no usable private key in ${k.file} ` +
            `(${(err as Error).message.split('\n')[0]}), expected an unencrypted PEM key`,
        );
        keys.set(keyVar, undefined);
      }
    }
    const headers = set(env, `${prefix}HEADERS`);
    if (headers !== undefined) problems.push(...headerProblems(`${prefix}HEADERS`, headers, grpc));
  }
  for (const signal of SIGNALS) {
    const pick = (suffix: string): string | undefined =>
      [`OTEL_EXPORTER_OTLP_${signal}_${suffix}`, `OTEL_EXPORTER_OTLP_${suffix}`].find((n) => set(env, n) !== undefined);
    const certVar = pick('CLIENT_CERTIFICATE');
    const keyVar = pick('CLIENT_KEY');
    if ((certVar === undefined) !== (keyVar === undefined)) {
      problems.push(
        `environment variable ${certVar ?? keyVar}: set without ` +
          `${certVar ? (keyVar ?? 'OTEL_EXPORTER_OTLP_CLIENT_KEY') : 'OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE'}` +
          ` for ${signal.toLowerCase()}, expected both the client certificate and its key`,
      );
    } else if (certVar && keyVar) {
      const leaf = certs.get(certVar)?.[0];
      const key = keys.get(keyVar);
      if (leaf && key && !leaf.checkPrivateKey(key))
        problems.push(
          `environment variable ${keyVar}: the key does not belong to the certificate in ${certVar} ` +
            `(${leaf.subject.replace(/\n/g, ', ')})`,
        );
    }
    const url = endpoints[signal];
    const named = [pick('CERTIFICATE'), certVar].filter((x): x is string => x !== undefined);
    if (url !== undefined && url.startsWith('http://') && named.length > 0) {
      warnings.push(
        `${named.join(' and ')} are not used for ${signal.toLowerCase()}: ` +
          `the endpoint ${url} is plain http:// (use https:// for TLS)`,
      );
    }
  }
  return { problems: [...new Set(problems)], warnings };
}
