// A small, total parser for the Prometheus text exposition format (0.0.4; also reads the common
// subset of OpenMetrics text). It never throws: lines it cannot read are returned in `errors`.

export interface PromTextSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestampMs?: number;
}

export interface PromTextParse {
  samples: PromTextSample[];
  /** # TYPE per metric family name. */
  types: Record<string, string>;
  /** # HELP per metric family name (unescaped). */
  help: Record<string, string>;
  errors: { line: number; text: string; reason: string }[];
}

const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;
const LABEL_START = /[a-zA-Z_]/;
const LABEL_CHAR = /[a-zA-Z0-9_]/;

function unescapeHelp(s: string): string {
  return s.replace(/\\(\\|n)/g, (_m, c: string) => (c === 'n' ? '\n' : '\\'));
}

/** Parse a number as Prometheus writes it (also +Inf, -Inf, NaN). */
export function parsePromNumber(s: string): number | undefined {
  switch (s) {
    case '+Inf':
    case 'Inf':
    case '+inf':
    case 'inf':
      return Infinity;
    case '-Inf':
    case '-inf':
      return -Infinity;
    case 'NaN':
    case 'nan':
      return NaN;
    default: {
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s) && !/^[+-]?0[xX][0-9a-fA-F]+$/.test(s)) return undefined;
      const n = Number(s);
      return Number.isNaN(n) ? undefined : n;
    }
  }
}

/** Parse one sample line; returns the sample or the reason it could not be read. */
export function parseSampleLine(line: string): PromTextSample | string {
  let i = 0;
  const n = line.length;
  const skipWs = () => {
    while (i < n && (line[i] === ' ' || line[i] === '\t')) i++;
  };
  skipWs();
  let name = '';
  if (i < n && NAME_START.test(line[i]!)) {
    const s = i;
    while (i < n && NAME_CHAR.test(line[i]!)) i++;
    name = line.slice(s, i);
  }
  const labels: Record<string, string> = {};
  const afterName = i;
  skipWs();
  if (line[i] !== '{') i = afterName;
  else {
    i++;
    for (;;) {
      skipWs();
      if (line[i] === '}') {
        i++;
        break;
      }
      if (i >= n) return 'unterminated label set';
      let lname: string;
      if (line[i] === '"') {
        // OpenMetrics 2 / UTF-8 quoted names: {"name"} or {"label"="v"}
        const q = readQuoted();
        if (typeof q !== 'string') return q.error;
        lname = q;
      } else {
        if (!LABEL_START.test(line[i]!)) return `bad label name at column ${i + 1}`;
        const s = i;
        while (i < n && LABEL_CHAR.test(line[i]!)) i++;
        lname = line.slice(s, i);
      }
      skipWs();
      if (line[i] !== '=') {
        if (!name && (line[i] === ',' || line[i] === '}')) {
          name = lname;
          if (line[i] === ',') i++;
          continue;
        }
        return `expected = after label ${lname}`;
      }
      i++;
      skipWs();
      if (line[i] !== '"') return `expected " for value of label ${lname}`;
      const v = readQuoted();
      if (typeof v !== 'string') return v.error;
      if (Object.prototype.hasOwnProperty.call(labels, lname)) return `duplicate label ${lname}`;
      Object.defineProperty(labels, lname, { value: v, enumerable: true, writable: true, configurable: true }); // also for "__proto__"
      skipWs();
      if (line[i] === ',') {
        i++;
        continue;
      }
      if (line[i] === '}') {
        i++;
        break;
      }
      return `expected , or } at column ${i + 1}`;
    }
  }
  if (!name) return 'missing metric name';
  if (i < n && line[i] !== ' ' && line[i] !== '\t') return `unexpected character ${JSON.stringify(line[i])} after name`;
  const rest = line
    .slice(i)
    .trim()
    .split(/[ \t]+/);
  const valueStr = rest[0] ?? '';
  if (!valueStr) return 'missing value';
  const value = parsePromNumber(valueStr);
  if (value === undefined) return `bad value ${JSON.stringify(valueStr)}`;
  const sample: PromTextSample = { name, labels, value };
  if (rest[1] !== undefined && rest[1] !== '#') {
    const ts = Number(rest[1]);
    if (!Number.isFinite(ts)) return `bad timestamp ${JSON.stringify(rest[1])}`;
    sample.timestampMs = ts;
  }
  return sample;

  function readQuoted(): string | { error: string } {
    i++; // opening quote
    let out = '';
    while (i < n) {
      const c = line[i]!;
      if (c === '\\') {
        const d = line[i + 1];
        if (d === 'n') out += '\n';
        else if (d === '\\') out += '\\';
        else if (d === '"') out += '"';
        else if (d === undefined) return { error: 'unterminated escape' };
        else out += '\\' + d;
        i += 2;
        continue;
      }
      if (c === '"') {
        i++;
        return out;
      }
      out += c;
      i++;
    }
    return { error: 'unterminated quoted string' };
  }
}

/** Parse a whole exposition. */
export function parsePromText(text: string): PromTextParse {
  const res: PromTextParse = { samples: [], types: {}, help: {}, errors: [] };
  const lines = text.split('\n');
  for (let ln = 0; ln < lines.length; ln++) {
    const raw = lines[ln]!.replace(/\r$/, '');
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
      if (!m) continue; // plain comment, or "# EOF"
      const what = m[1]!;
      const fam = m[2]!;
      const arg = m[3] ?? '';
      if (what === 'HELP') res.help[fam] = unescapeHelp(arg);
      else {
        const t = arg.trim();
        if (!/^(counter|gauge|histogram|gaugehistogram|summary|untyped|unknown|info|stateset)$/.test(t)) {
          res.errors.push({ line: ln + 1, text: raw, reason: `unknown type ${JSON.stringify(t)}` });
        } else res.types[fam] = t;
      }
      continue;
    }
    const s = parseSampleLine(raw);
    if (typeof s === 'string') res.errors.push({ line: ln + 1, text: raw, reason: s });
    else res.samples.push(s);
  }
  return res;
}

/** The samples named `name` whose labels include all of `labels`. */
export function findSamples(
  samples: PromTextSample[],
  name: string,
  labels: Record<string, string> = {},
): PromTextSample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The value of the one sample named `name` matching `labels`; throws if none or several. */
export function sampleValue(samples: PromTextSample[], name: string, labels: Record<string, string> = {}): number {
  const f = findSamples(samples, name, labels);
  if (f.length !== 1) throw new Error(`${f.length} samples of ${name}${JSON.stringify(labels)}`);
  return f[0]!.value;
}
