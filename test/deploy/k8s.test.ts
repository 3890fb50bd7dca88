// deploy/k8s/: parsed, and every image, port, path and environment variable the manifests name
// checked against the repo (no cluster needed): the image the Dockerfile builds, the gateway's
// routes and config, dev.ts's ports and variables, a preStop + drain that fits the grace period.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  configPlaceholders, devPartsDefaultPorts, devPartsVariables, dockerStages, existsInRepo, loadProductionConfig,
  read, readYaml, readYamlDocuments, tollgateImage,
} from '../support/deploy-files.ts';

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: any; // Kubernetes objects, read field by field
  data?: Record<string, string>;
}
interface Container {
  name: string;
  image: string;
  command: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  ports: Array<{ name: string; containerPort: number }>;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
  tcpSocket?: { port: string | number };
}

const kustomization = readYaml('deploy/k8s/kustomization.yaml') as { resources: string[] };
const manifests: Manifest[] = kustomization.resources.flatMap((file) => readYamlDocuments(`deploy/k8s/${file}`) as Manifest[]);
const byKind = (kind: string, name: string) => {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  assert.ok(found, `${kind} ${name}`);
  return found;
};
const deployments = manifests.filter((m) => m.kind === 'Deployment');
const gateway = byKind('Deployment', 'tollgate-gateway');
const gatewayContainer = gateway.spec.template.spec.containers[0] as Container;
const envOf = (c: Container) => Object.fromEntries((c.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
const portNumber = (c: Container, port: string | number) => (typeof port === 'number' ? port : c.ports.find((p) => p.name === port)?.containerPort);
/** The runtime stage's WORKDIR: where the image's files are. */
const workdir = dockerStages().at(-1)!.instructions.find((i) => i.op === 'WORKDIR')!.args;

describe('deploy/k8s', () => {
  test('kustomization lists files that exist; Deployment, Service, HPA, PDB and ConfigMap for the gateway', () => {
    for (const file of kustomization.resources) assert.ok(existsInRepo(`deploy/k8s/${file}`), file);
    for (const kind of ['Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget']) byKind(kind, 'tollgate-gateway');
    byKind('ConfigMap', 'tollgate-gateway-config');
  });

  test('every image is the one the Dockerfile builds, and every command runs a file of that image', () => {
    for (const deployment of deployments) {
      for (const c of deployment.spec.template.spec.containers as Container[]) {
        assert.equal(c.image, tollgateImage(), `${deployment.metadata.name}/${c.name}`);
        assert.equal(c.command[0], 'node', 'node itself, so SIGTERM reaches it');
        for (const arg of c.command.filter((a) => /\.(ts|mjs)$/.test(a))) assert.ok(existsInRepo(arg), `${arg} (under ${workdir})`);
      }
    }
    assert.equal(workdir, '/app');
  });

  test('the ConfigMap is deploy/gateway.yaml verbatim, mounted where the command reads it', () => {
    const configMap = byKind('ConfigMap', 'tollgate-gateway-config');
    assert.equal(configMap.data!['gateway.yaml'], read('deploy/gateway.yaml'));
    const configPath = gatewayContainer.command[gatewayContainer.command.indexOf('--config') + 1]!;
    const mount = gatewayContainer.volumeMounts!.find((m) => configPath.startsWith(`${m.mountPath}/`));
    assert.ok(mount, `a volume is mounted above ${configPath}`);
    const volume = (gateway.spec.template.spec.volumes as Array<{ name: string; configMap?: { name: string } }>).find((v) => v.name === mount.name);
    assert.equal(volume?.configMap?.name, 'tollgate-gateway-config');
    assert.equal(configPath.slice(mount.mountPath.length + 1), 'gateway.yaml');
  });

  test('the gateway\'s env: only what deploy/gateway.yaml reads; with it the config is valid; REDIS_URL from a Secret', async () => {
    const placeholders = configPlaceholders();
    for (const e of gatewayContainer.env!) assert.ok(placeholders.has(e.name), `deploy/gateway.yaml reads ${e.name}`);
    const redis = gatewayContainer.env!.find((e) => e.name === 'REDIS_URL');
    assert.deepEqual(redis?.valueFrom?.secretKeyRef, { name: 'tollgate-redis', key: 'url' });
    assert.equal(redis?.value, undefined, 'no credential in the manifest');
    const env = envOf(gatewayContainer);
    assert.equal(env.SUPERGRAPH_CONFIG, `${workdir}/supergraph.yaml`);
    const config = await loadProductionConfig({ ...env, REDIS_URL: 'redis://:secret@redis:6379' });
    assert.equal(config.server.listen, `0.0.0.0:${env.PORT}`);
    assert.equal(gatewayContainer.ports.find((p) => p.name === 'http')?.containerPort, Number(env.PORT));
  });

  test('probes: readiness on /ready, liveness on /health, on the gateway\'s port', async () => {
    const config = await loadProductionConfig({ ...envOf(gatewayContainer), REDIS_URL: 'redis://redis:6379' });
    assert.equal(gatewayContainer.readinessProbe?.httpGet?.path, config.server.ready_path);
    assert.equal(gatewayContainer.livenessProbe?.httpGet?.path, config.server.health_path);
    assert.equal(gatewayContainer.startupProbe?.httpGet?.path, config.server.health_path);
    for (const probe of [gatewayContainer.readinessProbe, gatewayContainer.livenessProbe, gatewayContainer.startupProbe]) {
      assert.equal(portNumber(gatewayContainer, probe!.httpGet!.port), Number(envOf(gatewayContainer).PORT));
    }
  });

  test('shutdown: the grace period covers the preStop sleep, the drain and the requests in flight', async () => {
    const env = envOf(gatewayContainer);
    const config = await loadProductionConfig({ ...env, REDIS_URL: 'redis://redis:6379' });
    const [sleep, seconds] = gatewayContainer.lifecycle!.preStop!.exec!.command;
    assert.equal(sleep, 'sleep');
    const preStopMs = Number(seconds) * 1000;
    assert.ok(preStopMs >= 1000, 'a preStop sleep, for the endpoints to drop the pod');
    const graceMs = gateway.spec.template.spec.terminationGracePeriodSeconds * 1000;
    assert.ok(graceMs > preStopMs + config.server.shutdown_drain_ms + config.server.shutdown_timeout_ms, `grace ${graceMs} ms`);
    // A rolling update never drops below the desired count.
    assert.deepEqual(gateway.spec.strategy.rollingUpdate, { maxSurge: 1, maxUnavailable: 0 });
  });

  test('Service, HPA and PDB select the gateway\'s pods and ports', () => {
    const labels = gateway.spec.template.metadata.labels as Record<string, string>;
    assert.deepEqual(gateway.spec.selector.matchLabels, labels);
    const service = byKind('Service', 'tollgate-gateway');
    assert.deepEqual(service.spec.selector, labels);
    for (const port of service.spec.ports) assert.ok(portNumber(gatewayContainer, port.targetPort), `targetPort ${port.targetPort}`);
    const hpa = byKind('HorizontalPodAutoscaler', 'tollgate-gateway');
    assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'tollgate-gateway' });
    assert.ok(hpa.spec.minReplicas >= 2 && hpa.spec.maxReplicas > hpa.spec.minReplicas);
    const pdb = byKind('PodDisruptionBudget', 'tollgate-gateway');
    assert.deepEqual(pdb.spec.selector.matchLabels, labels);
    assert.ok(gatewayContainer.resources?.requests?.cpu, 'a CPU request, which the HPA\'s utilization is relative to');
  });

  test('the gateway reaches the demo subgraphs through their Service, on dev.ts\'s ports; dev.ts reads every env var set', () => {
    const ports = devPartsDefaultPorts();
    const env = envOf(gatewayContainer);
    const subgraphsService = byKind('Service', 'tollgate-subgraphs');
    for (const [name, key] of [['accounts', 'ACCOUNTS_URL'], ['catalog', 'CATALOG_URL'], ['orders', 'ORDERS_URL'], ['reviews', 'REVIEWS_URL'], ['demo-jwks', 'DEMO_JWKS_URL']] as const) {
      const url = new URL(env[key]!);
      assert.equal(url.hostname, 'tollgate-subgraphs', key);
      const servicePort = (subgraphsService.spec.ports as Array<{ name: string; port: number }>).find((p) => p.port === Number(url.port));
      assert.equal(servicePort?.name, name, `${key}: the Service's port ${url.port} is ${name}`);
      assert.equal(Number(url.port), ports.get(name === 'demo-jwks' ? 'DEMO_JWKS_PORT' : `${name.toUpperCase()}_PORT`));
    }
    const devVariables = devPartsVariables();
    for (const name of ['tollgate-backends', 'tollgate-subgraphs']) {
      const c = byKind('Deployment', name).spec.template.spec.containers[0] as Container;
      for (const e of c.env!) assert.ok(devVariables.has(e.name), `${name}: dev.ts reads ${e.name}`);
      for (const p of c.ports) {
        const key = p.name === 'demo-jwks' ? 'DEMO_JWKS_PORT' : `${p.name.toUpperCase().replace(/-/g, '_')}_PORT`;
        assert.equal(p.containerPort, ports.get(key), `${name}: ${p.name}`);
      }
    }
    const subgraphsEnv = envOf(byKind('Deployment', 'tollgate-subgraphs').spec.template.spec.containers[0]);
    assert.equal(new URL(subgraphsEnv.USERS_API_URL!).hostname, 'tollgate-backends');
  });

  test('pods run as the image\'s non-root user', () => {
    for (const deployment of deployments) {
      const security = deployment.spec.template.spec.securityContext as { runAsNonRoot: boolean; runAsUser: number };
      assert.equal(security.runAsNonRoot, true, deployment.metadata.name);
      assert.equal(security.runAsUser, 1000, `${deployment.metadata.name}: the node image's node user`);
    }
    assert.equal(dockerStages().at(-1)!.instructions.filter((i) => i.op === 'USER').at(-1)?.args, 'node');
  });
});
