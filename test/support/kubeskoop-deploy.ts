// KubeSkoop's own deploy files, kept as data under test/fixtures/kubeskoop (github.com/alibaba/kubeskoop,
// deploy/, HEAD 70355a7), and its Helm chart rendered by the real helm: the configs a KubeSkoop user has.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { packageRoot } from '../../receiver/version.js';
import { helmBin } from '../helm/chart.js';
import { run } from './proc.js';

const FIXTURES = join(packageRoot(), 'test', 'fixtures', 'kubeskoop');

/** A KubeSkoop file under test/fixtures/kubeskoop, e.g. `deploy/skoopbundle-config.yaml`. */
export const kubeskoopFile = (relative: string): string => readFileSync(join(FIXTURES, relative), 'utf8');

/** The config.yaml KubeSkoop's chart (deploy/helm: its configmap and values) renders, with optional extra values. */
export const renderKubeSkoopChart = async (extraValues?: string): Promise<string> => {
  const extra: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'ksotel-kschart-'));
  try {
    if (extraValues !== undefined) {
      writeFileSync(join(dir, 'extra.yaml'), extraValues);
      extra.push('-f', join(dir, 'extra.yaml'));
    }
    const chart = join(FIXTURES, 'deploy', 'helm');
    const r = await run(helmBin(), ['template', 'kubeskoop', chart, '--namespace', 'kubeskoop', ...extra], {
      timeoutMs: 60_000,
    });
    assert.equal(r.code, 0, r.stderr);
    return (parseYaml(r.stdout) as { data: Record<string, string> }).data['config.yaml']!;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
