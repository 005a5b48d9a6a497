// npm run build, after tsc: the agent as users run it, one minified ES module (dist/kubeskoop-otel.js),
// with every package it uses, so that the image needs no node_modules.
// Why: V8 keeps every loaded module's source text and compiles from it, and the agent's module graph
// (its own files and ~20 packages, comments and all) holds several MiB more RSS than this one file
// (before and after: docs/sizing.md). The source map beside the file (the build's; the image does not
// ship it) leads stack traces back to the TypeScript (node --enable-source-maps). Function names are not kept (esbuild's keepNames): it wraps
// every function whose minified binding would rename it in a helper that redefines its `name`, and
// V8 (Node 20) then turns each such closure made at run time (hundreds a cycle) into a dictionary-mode
// object with a map of its own, dropped at the next GC; optimized code that had seen those maps was
// deoptimized and compiled again every cycle (test/bench/results/sizing-h21t-*.md).
//
// Packages the agent needs only sometimes (gRPC, the trace SDK) are required inside functions of
// receiver/pipeline/lazy-packages.cts: esbuild keeps such a require() as a deferred module init, so
// they are evaluated on first use. Packages' ES builds are preferred (module before main) so that
// unused exports, most of the semantic-conventions package, are dropped.
//
// The bundled packages' licences go beside it (dist/kubeskoop-otel.licenses.txt): the image ships
// their code without their directories.
import { build } from 'esbuild';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

const result = await build({
  absWorkingDir: root,
  entryPoints: ['dist/receiver/cli/main.js'],
  outfile: 'dist/kubeskoop-otel.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: 'linked',
  metafile: true,
  // CommonJS packages inside an ES module call require(): give the module one.
  banner: {
    js: "import{createRequire as __kskCreateRequire}from'node:module';const require=__kskCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

// Each bundled package once (its directory under node_modules), with its licence text.
const packageDirs = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (m) packageDirs.add(m[1]);
}
const sections = [...packageDirs].sort().map((dir) => {
  const abs = path.join(root, dir);
  const pkg = JSON.parse(readFileSync(path.join(abs, 'package.json'), 'utf8'));
  const licenceFile = readdirSync(abs).find((f) => /^licen[cs]e(\.(md|txt))?$/i.test(f));
  const text = licenceFile
    ? readFileSync(path.join(abs, licenceFile), 'utf8').trim()
    : `(no licence file; package.json: ${pkg.license})`;
  return `${pkg.name} ${pkg.version} (${pkg.license})\n\n${text}\n`;
});
writeFileSync(
  path.join(root, 'dist/kubeskoop-otel.licenses.txt'),
  `Packages bundled in kubeskoop-otel.js, with their licences.\n\n${sections.join(`\n${'-'.repeat(72)}\n\n`)}`,
);
