import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportedNames } from '../../core/ops/operational-metrics';
import { ensurePrometheus } from '../../infra/local/prometheus/install';
import { prometheusConfig, prometheusOptions } from '../../infra/local/prometheus/service';
import { REPO_ROOT } from '../../infra/local/paths';

const DIR = join(REPO_ROOT, 'infra', 'monitoring');

/** The alert rules: valid for Prometheus, each alert firing and not firing, on metrics the code exports. */
describe('alert rules', () => {
  it('pass promtool check rules and promtool test rules', () => {
    const { promtool } = ensurePrometheus();
    const run = (...args: string[]) => execFileSync(promtool, args, { cwd: DIR, encoding: 'utf8' });
    expect(run('check', 'rules', 'alerts.yml')).toMatch(/SUCCESS: \d+ rules found/);
    expect(run('test', 'rules', 'alerts.test.yml')).toMatch(/SUCCESS/);
  });

  it('are loaded by the Prometheus configuration ./platform up --with-monitoring writes', () => {
    const { promtool } = ensurePrometheus();
    const dir = mkdtempSync(join(tmpdir(), 'prometheus-config-'));
    writeFileSync(join(dir, 'prometheus.yml'), prometheusConfig(prometheusOptions({})));
    const out = execFileSync(promtool, ['check', 'config', join(dir, 'prometheus.yml')], {
      encoding: 'utf8',
    });
    expect(out).toMatch(/SUCCESS: 1 rule files found/);
    expect(out).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('and the Grafana dashboard name only metrics the code exports', async () => {
    const exported = new Set(await exportedNames());
    const known = (name: string) =>
      exported.has(name) || exported.has(name.replace(/_(bucket|sum|count)$/, ''));
    const dashboard = JSON.parse(readFileSync(join(DIR, 'grafana-dashboard.json'), 'utf8')) as {
      panels: { targets: { expr: string }[] }[];
    };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    const names = [
      ...new Set(
        exprs.flatMap((e) =>
          [...e.matchAll(/\b([a-z_][a-z0-9_]*_(?:total|seconds|bytes|records|bucket|p99_seconds))\b/g)].map(
            (m) => m[1] as string,
          ),
        ),
      ),
    ];
    expect(names.length).toBeGreaterThan(8);
    expect(names.filter((n) => !known(n))).toEqual([]);
  });

  it('name only metrics the code exports', async () => {
    const exported = new Set(await exportedNames());
    // A histogram exports its _bucket, _sum and _count series.
    const known = (name: string) =>
      exported.has(name) || exported.has(name.replace(/_(bucket|sum|count)$/, ''));
    const rules = readFileSync(join(DIR, 'alerts.yml'), 'utf8');
    const exprs = [...rules.matchAll(/expr: (\|\n((?: {10}.*\n)+)|.*)/g)].map((m) => m[2] ?? m[1] ?? '');
    const functions = new Set(['sum', 'rate', 'increase', 'histogram_quantile', 'by', 'le']);
    const named = exprs.flatMap((e) =>
      [...e.matchAll(/\b([a-z_][a-z0-9_]*)\s*(?=[{[])/g)].map((m) => m[1] as string),
    );
    const metrics = [...new Set(named.filter((n) => !functions.has(n)))];
    expect(metrics.length).toBeGreaterThan(3);
    expect(metrics.filter((n) => !known(n))).toEqual([]);
  });
});
