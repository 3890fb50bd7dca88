// The baseline: a plain @apollo/gateway behind @apollo/server's standalone server, all defaults.
// Usage: apollo-gateway.ts <supergraph-file> <port>   (standalone serves GraphQL on every path)
import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { exitWithParent } from '../lib/child.ts';

exitWithParent();
const [file, port] = process.argv.slice(2);
if (!file || !port) throw new Error('usage: apollo-gateway.ts <supergraph-file> <port>');

const gateway = new ApolloGateway({ supergraphSdl: readFileSync(file, 'utf8') });
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: Number(port) } });
console.log(`apollo-gateway ready at ${url}`);
