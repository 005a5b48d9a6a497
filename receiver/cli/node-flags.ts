// The V8 flags every launcher of the agent passes to node (the CLI's shebang, scripts/agent.sh,
// the image's ENTRYPOINT, `npm start`; test/docs/launch-flags.test.ts keeps them equal).
// Why: the agent's garbage is short-lived (one cycle's file text, one scrape's lines), and V8's
// default young generation (16 MiB semi-spaces, ~48 MiB committed) keeps ~25 MiB of RSS for it.
// Measured at 250 namespaces with a /metrics scrape every 2.5 s (test/bench/results/procfs.md):
// 118 MiB RSS with the default, 93–95 MiB with 1 MiB semi-spaces, for ~5–10 % more CPU.
// Re-measured side by side in procfs.md's rounds (10/100/250 namespaces, files read in place into
// kept parses): 4 MiB or V8's default semi-spaces took 0.91–1.07× this flag's CPU per cycle (medians;
// every interquartile range reaches 1.0), and V8's default kept 0–31 MiB more RSS: kept at 1 MiB.
// --no-sparkplug: V8's baseline compiler turns every warm function into machine code beside its
// bytecode; the agent's hot loops are few and optimized anyway. At 250 pods with a scrape, an export
// and events every cycle, in two pairs of trials on the same pods: average RSS 113.0 and 110.7 against
// 118.2 and 127.2 MiB (test/bench/results/h21p-trials3.md); V8's code space 1.4 against 3.8 MiB and its
// heap 55–56 against 62–66 MiB at the highest RSS (v8.getHeapSpaceStatistics() from a preload in the same
// trials). The procfs bench's paired rounds at 100 namespaces (a quick run, load 7–13) put the CPU per
// cycle at 0.95× (0.78–1.07×) the agent's without it.
export const AGENT_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--no-sparkplug'];

// The environment every launcher gives node (the same launchers; launch-flags.test.ts keeps them equal).
// Why: glibc's malloc gives threads that allocate their own arenas (up to 8 per core), and node's
// threads do (V8's GC and compiler workers, libuv's pool: zlib for gzip, fs). At 250 pods with a
// scrape, an OTLP export (gRPC, gzip) and events every cycle, glibc's default left 9 arenas holding
// 21.3 MiB of RSS: 164.1 MiB peak against 127.3 with one arena, CPU per cycle 900 against 862 ms, on
// the same pods (test/bench/results/sizing-h21m-trials.md). The agent's JavaScript is one thread and
// the workers' allocations are short: they share the main arena without measurable contention.
// MALLOC_MMAP_THRESHOLD_: a block of 128 KiB or more (an OTLP request's bytes, a gzip stream's
// buffers, a large file read) is always its own mapping, given back when freed. glibc otherwise raises
// the threshold to the largest block freed, and from then on such blocks come from the heap, where
// the free space between live blocks stays resident: 129.3 and 126.2 → 123.6 and 118.9 MiB peak in two
// pairs of trials on the same pods, CPU per cycle not higher (test/bench/results/sizing-h21m-trials2.md).
export const AGENT_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '1', MALLOC_MMAP_THRESHOLD_: '131072' };
