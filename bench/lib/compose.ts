// Composes subgraph SDLs into a supergraph file with @apollo/composition (the same composer the
// gateways under test expect), so every gateway in a run reads the very same supergraph.
import { writeFileSync } from 'node:fs';
import { parse, type DocumentNode } from 'graphql';
import { composeServices } from '@apollo/composition';

export interface ServiceInput {
  name: string;
  url: string;
  sdl: string | DocumentNode;
}

export function writeSupergraph(services: readonly ServiceInput[], file: string): void {
  const result = composeServices(
    services.map((s) => ({
      name: s.name,
      url: s.url,
      typeDefs: typeof s.sdl === 'string' ? parse(s.sdl) : s.sdl,
    })),
  );
  if (result.errors) {
    throw new Error(`composition failed:\n${result.errors.map((e) => e.message).join('\n')}`);
  }
  writeFileSync(file, result.supergraphSdl);
}
