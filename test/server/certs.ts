// Certificates for the endpoint and OTLP tests, made with the openssl command in a temp dir: CAs,
// server certificates for 127.0.0.1/localhost, client certificates with a CN and groups (O).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface CertFiles {
  readonly crt: string;
  readonly key: string;
}

export interface IssueOptions {
  readonly cn: string;
  /** Server: SANs like IP:127.0.0.1, DNS:localhost (default those two). */
  readonly usage: 'server' | 'client';
  readonly sans?: readonly string[];
  /** Client: organisations, read as groups by Kubernetes-style authorizers. */
  readonly org?: readonly string[];
  /** Key type: EC P-256 (default) or RSA 2048 (for RSA cipher suites). */
  readonly rsa?: boolean;
  readonly days?: number;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
}

export class TestPki {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'ksotel-pki-'));
  private serial = 1;

  file(name: string): string {
    return path.join(this.dir, name);
  }

  private newKey(name: string, rsa: boolean): string[] {
    return rsa ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
  }

  /** A self-signed CA. */
  ca(name: string): CertFiles {
    const crt = this.file(`${name}.crt`);
    const key = this.file(`${name}.key`);
    openssl([
      'req',
      '-x509',
      ...this.newKey(name, false),
      '-nodes',
      '-keyout',
      key,
      '-out',
      crt,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    return { crt, key };
  }

  /** A leaf certificate signed by `ca`, written as <name>.crt / <name>.key. */
  issue(ca: CertFiles, name: string, o: IssueOptions): CertFiles {
    const crt = this.file(`${name}.crt`);
    const key = this.file(`${name}.key`);
    const csr = this.file(`${name}.csr`);
    const subj = `/CN=${o.cn}${(o.org ?? []).map((g) => `/O=${g}`).join('')}`;
    openssl(['req', ...this.newKey(name, o.rsa === true), '-nodes', '-keyout', key, '-out', csr, '-subj', subj]);
    const ext = this.file(`${name}.ext`);
    const sans = o.sans ?? (o.usage === 'server' ? ['IP:127.0.0.1', 'DNS:localhost'] : []);
    writeFileSync(
      ext,
      [
        ...(sans.length > 0 ? [`subjectAltName=${sans.join(',')}`] : []),
        `extendedKeyUsage=${o.usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
        'basicConstraints=CA:FALSE',
        '',
      ].join('\n'),
    );
    openssl([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.crt,
      '-CAkey',
      ca.key,
      '-set_serial',
      String(this.serial++),
      '-out',
      crt,
      '-days',
      String(o.days ?? 2),
      '-extfile',
      ext,
    ]);
    return { crt, key };
  }

  read(file: string): Buffer {
    return readFileSync(file);
  }

  /** The SHA-256 fingerprint as Node prints it (AA:BB:…), from openssl. */
  fingerprint(crt: string): string {
    const out = execFileSync('openssl', ['x509', '-in', crt, '-noout', '-fingerprint', '-sha256'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    return out.trim().replace(/^.*=/, '');
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A bcrypt hash made by htpasswd (apache2-utils), as the exporter-toolkit docs make one. */
export function htpasswdHash(password: string, cost = 10): string {
  const out = execFileSync('htpasswd', ['-nbBC', String(cost), '', password], { encoding: 'utf8', timeout: 30_000 });
  return out.trim().replace(/^:/, '');
}
