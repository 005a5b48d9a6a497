// The V8 flags every launcher of the agent passes to node (the CLI's shebang, scripts/agent.sh,
// the image's ENTRYPOINT, `npm start`; test/docs/launch-flags.test.ts keeps them equal).
// Why: the agent's garbage is short-lived (one cycle's file text, one scrape's lines), and V8's
// default young generation (16 MiB semi-spaces, ~48 MiB committed) keeps ~25 MiB of RSS for it.
// Measured at 250 namespaces with a /metrics scrape every 2.5 s (test/bench/results/procfs.md):
// 118 MiB RSS with the default, 93–95 MiB with 1 MiB semi-spaces, for ~5–10 % more CPU.
// Re-measured side by side in procfs.md's rounds (10/100/250 namespaces, samples kept across cycles):
// 4 MiB or V8's default semi-spaces took 0.88–1.04× this flag's CPU per cycle (medians; every
// interquartile range reaches 1.0), and V8's default kept 22–32 MiB more RSS: kept at 1 MiB.
export const AGENT_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];
