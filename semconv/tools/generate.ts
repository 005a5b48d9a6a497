// `npm run generate`: validate the registry and the eBPF probe descriptors and (re)write every generated file.
// `--check`: write nothing; exit 1 and name the stale files when any differs from the registry.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../../receiver/version.js';
import { loadRegistry } from './load-registry.js';
import { GENERATED_TS_PATH, renderTypeScript } from './render-ts.js';
import { docsRenderer } from './render-docs.js';
import { dashboardRenderer } from './render-dashboard.js';
import { renderBpf } from '../../bpf/gen/render.js';

export type Renderer = (root: string) => Map<string, string>;
/** The registry's docs and dashboards, and the eBPF half's tables (bpf/probes/*.yaml + ks_proto.h). */
const extraRenderers: readonly Renderer[] = [docsRenderer, dashboardRenderer, renderBpf];

/** Every generated file, path relative to the root → content. Throws when the registry is invalid. */
export function renderAll(root: string): Map<string, string> {
  const { registry, problems } = loadRegistry(join(root, 'semconv', 'registry'));
  if (problems.length > 0)
    throw new Error(`the registry has ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  const files = new Map<string, string>([[GENERATED_TS_PATH, renderTypeScript(registry)]]);
  for (const r of extraRenderers) for (const [p, c] of r(root)) files.set(p, c);
  return files;
}

export function staleFiles(root: string): string[] {
  const stale: string[] = [];
  for (const [path, content] of renderAll(root)) {
    const abs = join(root, path);
    if (!existsSync(abs) || readFileSync(abs, 'utf8') !== content) stale.push(path);
  }
  return stale;
}

function main(argv: string[]): number {
  const root = packageRoot();
  try {
    if (argv.includes('--check')) {
      const stale = staleFiles(root);
      if (stale.length > 0) {
        process.stderr.write(`generated files are stale (run npm run generate): ${stale.join(', ')}\n`);
        return 1;
      }
      return 0;
    }
    for (const [path, content] of renderAll(root)) {
      const abs = join(root, path);
      mkdirSync(dirname(abs), { recursive: true });
      if (!existsSync(abs) || readFileSync(abs, 'utf8') !== content) {
        writeFileSync(abs, content);
        process.stdout.write(`wrote ${path}\n`);
      }
    }
    return 0;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 1;
  }
}

if (resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
