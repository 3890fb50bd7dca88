// docker-compose.yml, the Dockerfile and deploy/haproxy/haproxy.cfg, checked without a container
// engine: parsed, and every file, port, service name and environment variable they name
// checked against the repo (test/e2e/scale-out.test.ts runs the same topology as processes).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  configPlaceholders, devPartsDefaultPorts, devPartsVariables, dockerStages, execForm, existsInRepo,
  haproxyVariables, loadProductionConfig, read, readYaml, tollgateImage,
} from '../support/deploy-files.ts';

interface Service {
  build?: string;
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  restart?: string;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  deploy?: { resources?: { limits?: { cpus?: string; memory?: string } } };
  volumes?: string[];
  ports?: string[];
  stop_grace_period?: string;
}

const compose = readYaml('docker-compose.yml') as { services: Record<string, Service> };
const services = compose.services;
const gateways = Object.keys(services).filter((name) => /^gateway-\d+$/.test(name));

describe('docker-compose.yml', () => {
  test('Redis, the backends, the subgraphs, three gateway replicas and HAProxy', () => {
    assert.deepEqual(Object.keys(services).sort(), ['backends', 'gateway-1', 'gateway-2', 'gateway-3', 'lb', 'redis', 'subgraphs']);
    assert.match(services.lb!.image!, /^haproxy:\d/);
    assert.match(services.redis!.image!, /^redis:\d/);
  });

  test('every service: restart policy, health check, resource limits; dependencies wait for health', () => {
    for (const [name, service] of Object.entries(services)) {
      assert.equal(service.restart, 'unless-stopped', name);
      assert.ok(service.healthcheck?.test.length, `${name} has a health check`);
      assert.ok(service.deploy?.resources?.limits?.memory && service.deploy.resources.limits.cpus, `${name} has CPU and memory limits`);
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        assert.ok(services[dependency], `${name} depends on a service that exists: ${dependency}`);
        assert.equal(condition, 'service_healthy', `${name} waits for ${dependency}'s health`);
      }
    }
  });

  test('the Node parts are built from the Dockerfile and run files of the repo', () => {
    for (const name of ['backends', 'subgraphs', ...gateways]) {
      const service = services[name]!;
      assert.equal(service.build, '.', name);
      assert.ok(existsInRepo('Dockerfile'));
      assert.equal(service.image, tollgateImage(), `${name} names the image by the package version`);
      const [node, ...args] = service.command!;
      assert.equal(node, 'node', `${name} runs node itself, so SIGTERM reaches it`);
      for (const arg of args.filter((a) => /\.(ts|mjs|yaml)$/.test(a))) assert.ok(existsInRepo(arg), `${name}: ${arg} exists`);
    }
  });

  test('the gateways: the env deploy/gateway.yaml reads, valid together, the grace period above drain + timeout', async () => {
    const placeholders = configPlaceholders();
    for (const name of gateways) {
      const env = services[name]!.environment!;
      for (const key of Object.keys(env)) assert.ok(placeholders.has(key), `${name}: ${key} is read by deploy/gateway.yaml`);
      const config = await loadProductionConfig(env);
      assert.equal(config.server.listen, `0.0.0.0:${env.PORT}`);
      assert.equal(config.redis.url, 'redis://redis:6379');
      // Every subgraph URL is a port the `subgraphs` service listens on (dev.ts's defaults).
      const ports = devPartsDefaultPorts();
      for (const [subgraph, url] of Object.entries(config.override_subgraph_url)) {
        const target = new URL(String(url));
        assert.equal(target.hostname, 'subgraphs', subgraph);
        assert.equal(Number(target.port), ports.get(`${subgraph.toUpperCase()}_PORT`), subgraph);
      }
      const grace = Number(/^(\d+)s$/.exec(services[name]!.stop_grace_period ?? '')?.[1]);
      assert.ok(grace * 1000 >= config.server.shutdown_drain_ms + config.server.shutdown_timeout_ms, `${name}: stop_grace_period covers the drain`);
      assert.match(services[name]!.healthcheck!.test.join(' '), new RegExp(`127\\.0\\.0\\.1:${env.PORT}${config.server.ready_path}`));
    }
  });

  test('the backends and subgraphs: only variables subgraphs/dev.ts reads, addresses on the backends\' ports', () => {
    const read = devPartsVariables();
    const ports = devPartsDefaultPorts();
    for (const name of ['backends', 'subgraphs']) {
      for (const key of Object.keys(services[name]!.environment!)) assert.ok(read.has(key), `${name}: dev.ts reads ${key}`);
    }
    const env = services.subgraphs!.environment!;
    assert.equal(env.USERS_API_URL, `http://backends:${ports.get('USERS_API_PORT')}`);
    assert.equal(env.PRODUCTS_API_URL, `http://backends:${ports.get('PRODUCTS_API_PORT')}`);
    assert.equal(env.ORDER_SERVICE_ADDRESS, `backends:${ports.get('ORDER_SERVICE_PORT')}`);
    assert.equal(env.REVIEW_SERVICE_ADDRESS, `backends:${ports.get('REVIEW_SERVICE_PORT')}`);
  });

  test('HAProxy: the repo\'s haproxy.cfg, every variable it reads set, one server per gateway replica', () => {
    const lb = services.lb!;
    const [source, target] = lb.volumes![0]!.split(':');
    assert.equal(source, './deploy/haproxy/haproxy.cfg');
    assert.equal(target, '/usr/local/etc/haproxy/haproxy.cfg');
    const variables = haproxyVariables();
    for (const key of Object.keys(lb.environment!)) assert.ok(variables.has(key), `haproxy.cfg reads ${key}`);
    assert.deepEqual(gateways.map((g, i) => lb.environment![`GATEWAY_${i + 1}_ADDR`]), gateways.map((g) => `${g}:${services[g]!.environment!.PORT}`));
    assert.ok(lb.ports!.includes('4000:4000'));
  });
});

describe('Dockerfile', () => {
  const stages = dockerStages();
  const runtime = stages.at(-1)!;

  test('multi-stage: the runtime stage gets production packages only and runs as a non-root user', () => {
    assert.ok(stages.length >= 2, 'more than one stage');
    const deps = stages.find((s) => s.instructions.some((i) => i.op === 'RUN' && /npm ci --omit=dev/.test(i.args)));
    assert.ok(deps, 'a stage installs with npm ci --omit=dev');
    const copiedModules = runtime.instructions.find((i) => i.op === 'COPY' && /node_modules/.test(i.args));
    assert.equal(copiedModules?.args, `--from=${deps.name} /app/node_modules ./node_modules`);
    assert.ok(!runtime.instructions.some((i) => i.op === 'RUN' && /npm (ci|install)/.test(i.args)), 'the runtime stage installs nothing itself');
    const user = runtime.instructions.filter((i) => i.op === 'USER').at(-1)?.args;
    assert.ok(user && !['root', '0'].includes(user), `runs as ${user}`);
    assert.ok(runtime.instructions.some((i) => i.op === 'ENV' && /NODE_ENV=production/.test(i.args)));
  });

  test('every file it copies exists, and its command runs the production config', () => {
    for (const stage of stages) {
      for (const copy of stage.instructions.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))) {
        const words = copy.args.split(/\s+/);
        for (const source of words.slice(0, -1)) assert.ok(existsInRepo(source), `COPY ${source} exists`);
      }
    }
    const cmd = execForm(runtime.instructions.find((i) => i.op === 'CMD')!.args);
    assert.deepEqual(cmd, ['node', 'bin/tollgate.mjs', 'serve', '--config', 'deploy/gateway.yaml']);
    // The runtime copies what the command and the compose parts need.
    const copied = runtime.instructions.filter((i) => i.op === 'COPY').map((i) => i.args).join('\n');
    for (const needed of ['bin', 'gateway/src', 'subgraphs', 'deploy/gateway.yaml', 'supergraph.yaml']) assert.match(copied, new RegExp(`(^|\\s)${needed}(\\s|$)`), needed);
    assert.equal(runtime.instructions.find((i) => i.op === 'EXPOSE')?.args, '4000');
  });

  test('.dockerignore keeps local modules and builds out of the context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['node_modules', 'dist', '.git']) assert.ok(ignored.includes(entry), entry);
  });
});

describe('deploy/haproxy/haproxy.cfg', () => {
  const cfg = read('deploy/haproxy/haproxy.cfg');

  test('checks /ready, retries refused connections elsewhere, forwards the client IP', () => {
    assert.match(cfg, /option httpchk GET \/ready/);
    assert.match(cfg, /http-check expect status 200/);
    assert.match(cfg, /retry-on conn-failure/);
    assert.match(cfg, /option redispatch/);
    assert.match(cfg, /option forwardfor/);
  });

  test('haproxy -c accepts it with the variables set (as npm run stack:prod sets them)', () => {
    const env = { ...process.env, LB_BIND: '127.0.0.1:14000', LB_STATS_BIND: '127.0.0.1:14001', GATEWAY_1_ADDR: '127.0.0.1:1', GATEWAY_2_ADDR: '127.0.0.1:2', GATEWAY_3_ADDR: '127.0.0.1:3' };
    const bin = ['/usr/sbin/haproxy', 'haproxy'].find((b) => spawnSync(b, ['-v']).status === 0);
    assert.ok(bin, 'haproxy is installed (.ci/run installs it)');
    const result = spawnSync(bin, ['-c', '-f', 'deploy/haproxy/haproxy.cfg'], { env, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
  });
});
