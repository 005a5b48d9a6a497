// The V8 flags every launcher of the agent passes to node (the CLI's shebang, scripts/agent.sh,
// the image's ENTRYPOINT, `npm start`; test/docs/launch-flags.test.ts keeps them equal).
// Why: the agent's garbage is short-lived (one cycle's file text, one scrape's lines), and V8's
// default young generation (16 MiB semi-spaces, ~48 MiB committed) keeps ~25 MiB of RSS for it.
// Measured at 250 namespaces with a /metrics scrape every 2.5 s (test/bench/results/procfs.md):
// 118 MiB RSS with the default, 93–95 MiB with 1 MiB semi-spaces, for ~5–10 % more CPU.
// Re-measured side by side in procfs.md's rounds (10/100/250 namespaces, files read in place into
// kept parses): 4 MiB or V8's default semi-spaces took 0.87–1.28× this flag's CPU per cycle (medians
// over two runs; at 250 namespaces 0.93× and 0.87× in one, interquartile ranges below 1.0: this flag
// cost some 7–13 % of the collection's CPU there; 0.92× and 0.99× in the next; 4 MiB 0.96× in a third), and V8's default kept
// up to 30 MiB more RSS: kept at 1 MiB, for memory.
// --no-sparkplug (V8's baseline compiler off) was tried and left out: at 250 pods it kept 5–15 MiB less
// RSS in two pairs of trials (test/bench/results/h21p-trials3.md: average 113.0 and 110.7 against 118.2
// and 127.2 MiB, much of the second pair's gap malloc's free space), but the flow probe's code runs
// baseline code between optimisations: its steady read of 65,538 moved slots took 6.2 ms of agent CPU
// with the flag against 3.95 ms without, and its whole steady cycle 28.6 against 14.7 ms (the flow
// bench, quiet machine, 7 and 5 rounds) — over the 5 ms read goal.
// --no-memory-reducer: between two cycles the agent allocates little, which V8's memory reducer takes
// for an idle phase, and after each major GC it runs up to three more full mark-compacts to shrink the
// heap — at 10 namespaces three every ~40 s, 27.7 ms of main-thread marking and 9.6 ms of weak
// callbacks, and none without it (quick runs side by side; test/bench/results/procfs-memory-reducer.md
// has the full one). Major GCs still come when the heap grows; the reducer saved 1–5 MiB of RSS.
// --no-concurrent-recompilation: V8 optimizes a hot function on a worker thread by default, and the
// compiler's zones (the graphs of the function being compiled) are malloc'd there; while the agent's
// functions are still being optimized (the first minutes) they came and went as bursts of several MiB of
// RSS at cycles, the largest part of the peak above the average (perf: most of the agent's brk calls came from
// those compile jobs). Compiled on the main thread instead, one at a time, between the agent's own work:
// at 250 pods 94.9 and 95.2 MiB average, 104.1 and 104.0 peak, against 103.3 and 100.4, 108.9 and 108.9
// (test/bench/results/sizing-h21s-trials3.md, the same pods); the collection's CPU was not higher: with
// worker threads 0.99x and 0.97x of it at 10 and 250 namespaces (test/bench/results/procfs-h21s-flags.md).
// A cycle in which a function is compiled is longer in wall time by that compilation.
export const AGENT_NODE_FLAGS: readonly string[] = [
  '--max-semi-space-size=1',
  '--no-memory-reducer',
  '--no-concurrent-recompilation',
];

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
