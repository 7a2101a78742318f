// The monitoring files a user drops in (monitoring/): Prometheus config and alert rules checked
// and unit-tested by promtool, the Grafana dashboard and alerts referring only to series the
// processes export, real /metrics of a receiver and of a worker started as docker-compose.yml
// starts them passing `promtool check metrics`, each with only the series its process owns, and
// the compose file (with its profiles) validated by docker-compose.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observability/metrics.js';
import { startFakeTokPortal, type FakeTokPortal } from '../../fake-tokportal/index.js';
import { runCli, type CliProcess } from '../support/cli-process.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { TEST_REDIS_URL, deleteRedisPrefix, uniquePrefix } from '../support/redis.js';
import { freePort } from '../support/tcp-proxy.js';
import { runTool, skipUnless } from '../support/tools.js';
import { waitFor } from '../support/wait.js';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const rootDir = new URL('.', root).pathname;

const noPromtool = skipUnless('promtool', 'apt-get install prometheus (Debian/Ubuntu) or brew install prometheus (macOS)');
const noCompose = skipUnless('docker-compose', 'apt-get install docker-compose');

/** Series another module adds (drift and verification age, from the reconcile's verification). */
const SERIES_FROM_ELSEWHERE = ['tokportal_sync_drift_total', 'tokportal_sync_oldest_verification_age_seconds'];

/** Every tokportal_sync_* / process_* / nodejs_* name a PromQL text mentions, suffixes of histograms folded. */
function seriesNames(text: string): Set<string> {
  const names = [...text.matchAll(/\b((?:tokportal_sync|process|nodejs)_[a-z0-9_]+)\b/g)].map((match) => match[1]!);
  return new Set(names.map((name) => name.replace(/_(bucket|sum|count)$/, '')).filter((name) => !name.startsWith('tokportal_sync:')));
}

async function exportedNames(): Promise<Set<string>> {
  const metrics = createMetrics({ role: 'all', processMetrics: true });
  return new Set((await metrics.registry.getMetricsAsJSON()).map((metric) => metric.name));
}

describe.skipIf(noPromtool)('Prometheus files (promtool)', () => {
  it('the scrape config and its rule file pass promtool check config', async () => {
    const result = await runTool('promtool', ['check', 'config', 'monitoring/prometheus/prometheus.yml'], undefined, { cwd: rootDir });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('SUCCESS');
  });

  it('the alert rules pass promtool check rules', async () => {
    const result = await runTool('promtool', ['check', 'rules', 'monitoring/prometheus/alerts.yml'], undefined, { cwd: rootDir });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('the alerts fire on the series as the processes export them (promtool test rules)', async () => {
    const result = await runTool('promtool', ['test', 'rules', 'monitoring/prometheus/alerts.test.yml'], undefined, { cwd: rootDir });
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });
});

describe('alerts and dashboard refer to real series', () => {
  const alerts = read('monitoring/prometheus/alerts.yml');
  const dashboard = JSON.parse(read('monitoring/grafana/dashboards/tokportal-sync.json')) as {
    uid: string;
    panels: { type: string; title: string; datasource?: { uid: string }; targets?: { expr: string }[] }[];
  };

  it('every metric an alert or a panel queries is exported by a process (or by the verification, by name)', async () => {
    const known = new Set([...(await exportedNames()), ...SERIES_FROM_ELSEWHERE]);
    const queried = seriesNames(alerts);
    for (const panel of dashboard.panels) for (const target of panel.targets ?? []) for (const name of seriesNames(target.expr)) queried.add(name);
    expect([...queried].filter((name) => !known.has(name))).toEqual([]);
    // And the dashboard covers what the operator asked for.
    for (const name of [
      'tokportal_sync_inbox_oldest_unprocessed_age_seconds',
      'tokportal_sync_queue_jobs',
      'tokportal_sync_api_requests_total',
      'tokportal_sync_api_rate_limited_total',
      'tokportal_sync_api_rate_limit_remaining',
      'tokportal_sync_api_rate_limit_per_minute',
      'tokportal_sync_sync_lag_seconds',
      'tokportal_sync_drift_total',
      'tokportal_sync_oldest_verification_age_seconds',
      'tokportal_sync_remakes_seen_total',
    ]) {
      expect(queried.has(name), name).toBe(true);
    }
  });

  it('the dashboard uses the provisioned data source, and compose mounts what provisioning reads', () => {
    const datasource = read('monitoring/grafana/provisioning/datasources/prometheus.yml');
    const uid = /uid: (\S+)/.exec(datasource)?.[1];
    expect(uid).toBeDefined();
    const graphs = dashboard.panels.filter((panel) => panel.type !== 'row');
    expect(graphs.length).toBeGreaterThan(10);
    for (const panel of graphs) expect(panel.datasource?.uid, panel.title).toBe(uid);
    const provider = read('monitoring/grafana/provisioning/dashboards/tokportal-sync.yml');
    const path = /path: (\S+)/.exec(provider)?.[1];
    const compose = read('docker-compose.yml');
    expect(compose).toContain(`./monitoring/grafana/dashboards:${path}:ro`);
    expect(compose).toContain('./monitoring/grafana/provisioning:/etc/grafana/provisioning:ro');
    expect(compose).toContain('./monitoring/prometheus:/etc/prometheus:ro');
  });
});

describe.skipIf(noCompose)('docker-compose.yml (docker-compose config)', () => {
  it.each([[[]], [['--profile', 'demo']], [['--profile', 'monitoring']]])('is valid with profile flags %j', async (profile) => {
    const result = await runTool('docker-compose', ['-f', 'docker-compose.yml', ...profile, 'config', '-q'], undefined, { cwd: rootDir });
    expect(result.code, result.stderr).toBe(0);
  });

  it('the monitoring profile runs Prometheus and Grafana beside the app services', async () => {
    const result = await runTool('docker-compose', ['-f', 'docker-compose.yml', '--profile', 'monitoring', 'config', '--services'], undefined, {
      cwd: rootDir,
    });
    // docker-compose v1 lists the services of every profile here; the profile itself is in the file.
    const services = result.stdout.split('\n').filter(Boolean);
    expect(services).toEqual(expect.arrayContaining(['prometheus', 'grafana', 'receiver', 'worker']));
    for (const service of ['prometheus', 'grafana']) {
      expect(read('docker-compose.yml')).toMatch(new RegExp(`^  ${service}:\\n(?:    .*\\n)*?    profiles: \\["monitoring"\\]`, 'm'));
    }
  });
});

describe.skipIf(noPromtool)('/metrics of real processes (promtool check metrics)', () => {
  let database: TestDatabase;
  let fake: FakeTokPortal;
  const prefix = uniquePrefix('monitoring');
  const children: CliProcess[] = [];
  const secret = 'whsec_monitoring_0123456789abcdef';
  const ports = { receiver: 0, receiverAdmin: 0, workerAdmin: 0 };

  /** The environment compose gives every app service, with this test's database, queue and ports. */
  function composeLikeEnv(adminPort: number): Record<string, string> {
    const compose = read('docker-compose.yml');
    expect(compose).toContain('ADMIN_HOST: 0.0.0.0');
    return {
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      TOKPORTAL_API_KEY: fake.apiKey,
      TOKPORTAL_BASE_URL: fake.baseUrl,
      TOKPORTAL_WEBHOOK_SECRETS: secret,
      TOKPORTAL_RATE_LIMIT_PER_MIN: '6000',
      ADMIN_HOST: '0.0.0.0',
      ADMIN_PORT: String(adminPort),
      LOG_LEVEL: 'info',
    };
  }

  beforeAll(async () => {
    database = await createTestDatabase('monitoring');
    fake = await startFakeTokPortal({ bundles: 5, seed: 'monitoring', rateLimitPerMin: 0 });
    ports.receiver = await freePort();
    ports.receiverAdmin = await freePort();
    ports.workerAdmin = await freePort();
    // Exactly the compose commands: `receiver` and `worker`, no flag; the rest is environment.
    const receiver = runCli(['receiver'], { ...composeLikeEnv(ports.receiverAdmin), PORT: String(ports.receiver), HOST: '127.0.0.1' });
    const worker = runCli(['worker'], composeLikeEnv(ports.workerAdmin));
    children.push(receiver, worker);
    await receiver.waitForOutput(/"msg":"admin listener ready"/, 60_000);
    await worker.waitForOutput(/"msg":"sync worker started"/, 60_000);
    fake.addWebhookEndpoint({ url: `http://127.0.0.1:${ports.receiver}/webhooks/tokportal`, secret });
    await fake.patch(fake.listBundleIds()[0]!, { title: 'scraped', events: ['bundle.published'] });
  }, 90_000);
  afterAll(async () => {
    for (const child of children) if (child.child.exitCode === null) child.child.kill('SIGKILL');
    await fake?.close();
    await database?.drop();
    await deleteRedisPrefix(prefix);
  });

  it("the image's HEALTHCHECK finds the worker's role from its command line and probes its admin /healthz", async () => {
    const worker = children[1]!;
    // As Docker runs it in the container (whose only tokportal-sync process is the worker), with --pid
    // because this machine runs many.
    const check = (env: Record<string, string>) => {
      const child = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/healthcheck.ts', '--pid', String(worker.child.pid)], {
        cwd: rootDir,
        env: { ...process.env, ...env },
        encoding: 'utf8',
      });
      return { code: child.status, out: child.stdout };
    };
    const healthy = check({ ADMIN_PORT: String(ports.workerAdmin), ADMIN_HOST: '0.0.0.0' });
    expect(healthy.out).toBe(`healthy: worker: http://127.0.0.1:${ports.workerAdmin}/healthz answered 200\n`);
    expect(healthy.code).toBe(0);
    const closedPort = await freePort();
    const unhealthy = check({ ADMIN_PORT: String(closedPort), ADMIN_HOST: '0.0.0.0' });
    expect(unhealthy.code).toBe(1);
    expect(unhealthy.out).toMatch(new RegExp(`^unhealthy: worker: http://127.0.0.1:${closedPort}/healthz: `));
  });

  const scrape = async (port: number) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();

  it('a worker started as compose starts it is scrapeable on its admin port with its own series, and they lint clean', async () => {
    let text = '';
    await waitFor(
      async () => {
        text = await scrape(ports.workerAdmin);
        // The start-up reconcile may complete a sync-bundle job first; the webhook's closes the event.
        return /tokportal_sync_jobs_total\{name="sync-bundle",outcome="completed"\} [1-9]/.test(text) && /^tokportal_sync_sync_lag_seconds_count [1-9]/m.test(text);
      },
      { timeoutMs: 30_000, what: 'the worker to sync the bundle and close its webhook event' },
    );
    expect(text).toMatch(/tokportal_sync_api_requests_total\{endpoint="GET \/bundles\/:id",status="200"\} [1-9]/);
    expect(text).toMatch(/^tokportal_sync_api_rate_limit_per_minute 6000$/m);
    expect(text).toMatch(/^tokportal_sync_queue_jobs\{queue="tokportal-api",state="completed"\} [1-9]/m);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    expect(text).not.toMatch(/tokportal_sync_(webhooks_received|webhook_signature|inbox_|enqueue_failures)/);
    const lint = await runTool('promtool', ['check', 'metrics'], text);
    expect(lint.code, lint.stdout + lint.stderr).toBe(0);
  });

  it('a receiver exports webhooks, signatures and the inbox, no worker series, and they lint clean', async () => {
    let text = '';
    await waitFor(
      async () => {
        text = await scrape(ports.receiverAdmin);
        return /tokportal_sync_webhooks_received_total\{type="bundle.published",outcome="accepted"\} 1/.test(text);
      },
      { timeoutMs: 30_000, what: 'the receiver to count the webhook' },
    );
    expect(text).toMatch(/^tokportal_sync_inbox_oldest_unprocessed_age_seconds \d/m);
    expect(text).toContain('# TYPE tokportal_sync_webhook_signature_failures_total counter');
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    // A receiver never calls the API: no constant-zero budget hiding the workers' real one.
    expect(text).not.toMatch(/tokportal_sync_(api_|jobs_total|sync_lag|queue_jobs|remakes_seen|stale_observations)/);
    const lint = await runTool('promtool', ['check', 'metrics'], text);
    expect(lint.code, lint.stdout + lint.stderr).toBe(0);
    // The public port has none of it.
    expect((await fetch(`http://127.0.0.1:${ports.receiver}/metrics`)).status).toBe(404);
  });
});
