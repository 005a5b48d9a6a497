// HTTP basic auth against the web config's bcrypt hashes, as exporter-toolkit checks them: an
// unknown user is compared against a fixed hash (no user enumeration by timing), outcomes are
// cached (bcrypt at cost 10 is ~100 ms of CPU here; Prometheus sends the same credentials every
// scrape), and one comparison runs at a time. The comparison (bcryptjs, plain JavaScript) yields to
// the event loop while it works, so collection and other requests go on meanwhile.
import { createHash } from 'node:crypto';
import bcrypt from 'bcryptjs';

/** A bcrypt hash of a password nobody has, for unknown users (cost 10, as the toolkit's). */
const DECOY_HASH = '$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi';
/** Outcomes kept (user, hash, password → allowed); the oldest go first. */
const CACHE_ENTRIES = 256;
/** Comparisons waiting for their turn; beyond, a request is refused at once (a flood of guesses
 *  must not queue without bound). */
const MAX_WAITING = 32;

export type BasicAuthOutcome = 'allowed' | 'denied' | 'busy';

/** `Authorization: Basic …` → user and password; undefined when absent or malformed. */
export function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? undefined : { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

export class BasicAuthenticator {
  private users: ReadonlyMap<string, string>;
  private readonly cache = new Map<string, boolean>();
  private queue: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  constructor(users: ReadonlyMap<string, string>) {
    this.users = users;
  }

  get enabled(): boolean {
    return this.users.size > 0;
  }

  /** New users from a reloaded web config; outcomes for changed hashes are no longer found. */
  setUsers(users: ReadonlyMap<string, string>): void {
    this.users = users;
  }

  async check(header: string | undefined): Promise<BasicAuthOutcome> {
    const cred = basicCredentials(header);
    if (!cred) return 'denied';
    const known = this.users.get(cred.user);
    const hash = known ?? DECOY_HASH;
    // The key holds no password in the clear.
    const key = createHash('sha256').update(`${cred.user}\0${hash}\0${cred.password}`).digest('base64');
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached && known !== undefined ? 'allowed' : 'denied';
    if (this.waiting >= MAX_WAITING) return 'busy';
    this.waiting++;
    const run = this.queue.then(() => bcrypt.compare(cred.password, hash));
    this.queue = run.catch(() => false);
    let ok = false;
    try {
      ok = (await run) && known !== undefined;
    } catch {
      ok = false;
    } finally {
      this.waiting--;
    }
    if (this.cache.size >= CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, ok);
    return ok ? 'allowed' : 'denied';
  }
}
