// `npm start`: the whole demo stack in one process — REST and gRPC backends, the four
// subgraphs, and the gateway composed from supergraph.yaml. Ctrl-C stops all of it.
//
// docker-compose.yml runs the same file once per container with DEMO_PARTS naming one part
// (backends | subgraphs), DEMO_HOST=0.0.0.0, and the backend addresses in the environment;
// `npm run stack:prod` (deploy/stack/) runs it once per part too, on ports it chose (*_PORT below).
import { loadConfigFile } from '../gateway/src/config/load.ts';
import { startGateway } from '../gateway/src/gateway.ts';
import { startBackends } from './backends/index.ts';
import { mintDemoToken, startDemoJwks } from './demo-keys/index.ts';
import { startSubgraphs } from './index.ts';

// Fixed ports by default, because supergraph.yaml's routing URLs name them (a gateway elsewhere
// sets override_subgraph_url); each may be moved by its environment variable.
const BACKEND_PORTS = {
  usersApi: envPort('USERS_API_PORT', 4101),
  productsApi: envPort('PRODUCTS_API_PORT', 4102),
  orderService: envPort('ORDER_SERVICE_PORT', 4103),
  reviewService: envPort('REVIEW_SERVICE_PORT', 4104),
};
const SUBGRAPH_PORTS = {
  accounts: envPort('ACCOUNTS_PORT', 4001),
  catalog: envPort('CATALOG_PORT', 4002),
  orders: envPort('ORDERS_PORT', 4003),
  reviews: envPort('REVIEWS_PORT', 4004),
};
// gateway/gateway.yaml names this JWKS URL (the demo token issuer, DEMO ONLY).
const DEMO_JWKS_PORT = envPort('DEMO_JWKS_PORT', 4105);

function envPort(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    console.error(`subgraphs/dev.ts: ${name} must be a port number from 1 to 65535, got "${text}"`);
    process.exit(2);
  }
  return port;
}

const parts = new Set((process.env.DEMO_PARTS ?? 'backends,subgraphs,gateway').split(','));
const host = process.env.DEMO_HOST ?? '127.0.0.1';
const stops: Array<() => Promise<void>> = [];

let backendAddresses = {
  usersApiUrl: process.env.USERS_API_URL ?? `http://127.0.0.1:${BACKEND_PORTS.usersApi}`,
  productsApiUrl: process.env.PRODUCTS_API_URL ?? `http://127.0.0.1:${BACKEND_PORTS.productsApi}`,
  orderServiceAddress: process.env.ORDER_SERVICE_ADDRESS ?? `127.0.0.1:${BACKEND_PORTS.orderService}`,
  reviewServiceAddress: process.env.REVIEW_SERVICE_ADDRESS ?? `127.0.0.1:${BACKEND_PORTS.reviewService}`,
};

if (parts.has('backends')) {
  const backends = await startBackends({ host, ports: BACKEND_PORTS });
  stops.unshift(() => backends.stop());
  backendAddresses = backends;
  console.log(`users-api       REST      ${backends.usersApiUrl}`);
  console.log(`products-api    REST      ${backends.productsApiUrl}`);
  console.log(`order-service   gRPC      ${backends.orderServiceAddress}`);
  console.log(`review-service  gRPC      ${backends.reviewServiceAddress}`);
}

if (parts.has('subgraphs')) {
  const subgraphs = await startSubgraphs(backendAddresses, { host, ports: SUBGRAPH_PORTS });
  stops.unshift(() => subgraphs.stop());
  for (const [name, url] of Object.entries(subgraphs.urls)) console.log(`${name.padEnd(15)} subgraph  ${url}`);
  const jwks = await startDemoJwks({ host, port: DEMO_JWKS_PORT });
  stops.unshift(() => jwks.stop());
  console.log(`demo-jwks       JWKS      ${jwks.url}   (npm run token -- --sub u1 --scope orders:read)`);
}

if (parts.has('gateway')) {
  const { config, baseDir } = await loadConfigFile(new URL('../gateway/gateway.yaml', import.meta.url).pathname);
  // The explorer's "Get a demo token" exists only here: the demo's key pair never reaches gateway/.
  const gateway = await startGateway(config, { baseDir, demoToken: mintDemoToken });
  stops.unshift(() => gateway.stop());
  console.log(`gateway         GraphQL   ${gateway.url}   (liveness /health, readiness /ready)`);
}

// A supervisor (deploy/stack/) waits for this line before starting what depends on these parts.
console.log(`demo parts ready: ${[...parts].join(',')}`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log('stopping the demo stack');
  for (const stopPart of stops) await stopPart();
  process.exit(0);
}
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
