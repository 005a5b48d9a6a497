// npm run build, after tsc: the agent as users run it, one minified ES module (dist/kubeskoop-otel.js).
// Why: V8 keeps every loaded module's source text and compiles from it, and the agent's module graph
// (its own files and ~20 packages, comments and all) holds several MiB more RSS than this one file
// (before and after: docs/sizing.md). Names are kept for stack traces, and the source map beside the
// file leads them back to the TypeScript.
//
// Packages the agent requires lazily through createRequire (gRPC, the trace SDK) stay out: they load
// from node_modules when first used, as before. Packages' ES builds are preferred (module before
// main) so that unused exports, most of the semantic-conventions package, are dropped.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

await build({
  absWorkingDir: root,
  entryPoints: ['dist/receiver/cli/main.js'],
  outfile: 'dist/kubeskoop-otel.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  mainFields: ['module', 'main'],
  minify: true,
  keepNames: true,
  sourcemap: 'linked',
  // CommonJS packages inside an ES module call require(): give the module one.
  banner: {
    js: "import{createRequire as __kskCreateRequire}from'node:module';const require=__kskCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
