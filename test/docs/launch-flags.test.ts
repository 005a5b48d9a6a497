// Every way the agent is launched passes the same V8 flags (receiver/cli/node-flags.ts says why):
// the CLI's shebang (npm's bin), scripts/agent.sh (the README's run command), the image's
// ENTRYPOINT (the Helm chart runs that), `npm start`; and the built CLI really starts with them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_ENV, AGENT_NODE_FLAGS } from '../../receiver/cli/node-flags.js';
import { packageRoot } from '../../receiver/version.js';
import { spawn } from 'node:child_process';
import { freePort, run, stopPid, waitForPort } from '../support/proc.js';

const root = packageRoot();
const read = (p: string): string => readFileSync(join(root, p), 'utf8');
const flags = AGENT_NODE_FLAGS.join(' ');
const envText = Object.entries(AGENT_ENV)
  .map(([k, v]) => `${k}=${v}`)
  .join(' ');

describe("docs: the agent's V8 flags and environment are the same in every launcher", () => {
  it('shebang, scripts/agent.sh, Dockerfile ENTRYPOINT, npm start', () => {
    assert.ok(AGENT_NODE_FLAGS.length > 0 && envText !== '');
    assert.equal(read('receiver/cli/main.ts').split('\n')[0], `#!/usr/bin/env -S ${envText} node ${flags}`);
    assert.equal(
      read('dist/kubeskoop-otel.js').split('\n')[0],
      `#!/usr/bin/env -S ${envText} node ${flags}`,
      'the bundle keeps the shebang',
    );
    const agentSh = read('scripts/agent.sh');
    assert.match(agentSh, new RegExp(`^exec node ${flags} "\\$root/dist/kubeskoop-otel.js" run "\\$@"$`, 'm'));
    for (const [k, v] of Object.entries(AGENT_ENV)) {
      assert.match(agentSh, new RegExp(`^export ${k}=${v}$`, 'm'), `scripts/agent.sh exports ${k}`);
      assert.match(read('Dockerfile'), new RegExp(`^ENV .*\\b${k}=${v}\\b`, 'm'), `the image sets ${k}`);
    }
    const entry = /^ENTRYPOINT (\[.*\])$/m.exec(read('Dockerfile'));
    assert.deepEqual(JSON.parse(entry![1]!), [
      'node',
      ...AGENT_NODE_FLAGS,
      '/opt/kubeskoop-otel/dist/kubeskoop-otel.js',
    ]);
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string>; bin: Record<string, string> };
    assert.equal(pkg.scripts.start, `${envText} node ${flags} dist/kubeskoop-otel.js run`);
    assert.equal(pkg.bin['kubeskoop-otel'], 'dist/kubeskoop-otel.js');
  });

  it('the built CLI, started through its shebang, runs node with them', async function () {
    this.timeout(30_000);
    const cli = join(root, 'dist/kubeskoop-otel.js');
    await run('chmod', ['+x', cli]);
    const port = await freePort();
    const child = spawn(cli, ['run', '--address', '127.0.0.1', '--port', String(port), '--log-level', 'error'], {
      stdio: 'ignore',
      // without AGENT_ENV's variables: the shebang must set them
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !(k in AGENT_ENV))),
    });
    try {
      await waitForPort(port, '127.0.0.1', 20_000);
      // env(1) execs node in place: the same pid, node's own command line
      const argv = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8')
        .split('\0')
        .filter((a) => a !== '');
      assert.deepEqual(argv.slice(1, 1 + AGENT_NODE_FLAGS.length + 1), [...AGENT_NODE_FLAGS, cli], argv.join(' '));
      assert.match(argv[0]!, /node$/);
      const environ = readFileSync(`/proc/${child.pid}/environ`, 'utf8').split('\0');
      for (const [k, v] of Object.entries(AGENT_ENV))
        assert.ok(environ.includes(`${k}=${v}`), `${k}=${v} in its environment`);
    } finally {
      await stopPid(child.pid, 5000);
    }
  });
});
