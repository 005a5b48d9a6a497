// One end-to-end fixture for the probe e2e tests: a test namespace, a real OTLP gRPC receiver and the
// real agent (CLI + helper) exporting to it every second with the probes the test names.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupAll, createNetns, type Netns } from './netns.js';
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver.js';
import { startAgentWithConfig, type AgentProcess } from './agent.js';

export interface OtlpE2e {
  ns: Netns;
  receiver: OtlpReceiver;
  agent: AgentProcess;
  dir: string;
}

/**
 * Starts the namespace, the receiver and the agent; `probes` is the config's metrics/events part
 * (YAML at the top level; a function of the agent's directory when it names files there), `running` the probes /status must show running before it returns.
 * Whatever started is stopped again if a later step fails.
 */
export const startOtlpE2e = async (opts: {
  label: string;
  probes: string | ((dir: string) => string);
  running: string[];
}): Promise<OtlpE2e> => {
  const dir = mkdtempSync(join(tmpdir(), `ksotel-${opts.label}-e2e-`));
  const started: Partial<OtlpE2e> = { dir };
  try {
    started.ns = await createNetns({ label: opts.label });
    started.receiver = await startOtlpReceiver({ http: false });
    const config = `interval: 1s\n${(typeof opts.probes === 'string' ? opts.probes : opts.probes(dir)).trimEnd()}\notlp:\n  endpoint: ${started.receiver.grpcEndpoint}\n  export_interval: 1s\n`;
    started.agent = await startAgentWithConfig(dir, config, { running: opts.running });
    return started as OtlpE2e;
  } catch (err) {
    await stopOtlpE2e(started);
    throw err;
  }
};

/** Stops what startOtlpE2e started (any part may be missing) and removes the test namespaces. */
export const stopOtlpE2e = async (e: Partial<OtlpE2e> | undefined): Promise<void> => {
  await e?.agent?.stop();
  await e?.receiver?.close();
  await cleanupAll();
  if (e?.dir) rmSync(e.dir, { recursive: true, force: true });
};
