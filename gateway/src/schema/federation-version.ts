// `federation_version` from supergraph.yaml, read the way rover reads it, checked against the one
// composition library Tollgate ships (@apollo/composition, Federation 2).
//
// Rover accepts: 1 | 2 | 3 (number or string), latest-0 | latest-1 | latest-2 | latest-3, and an
// exact pin `=X.Y.Z` or `vX.Y.Z` (0.x = Federation 1, 2.x = Federation 2, 3.x = Federation 3).
// When the key is absent rover uses Federation 2 only if some subgraph opts in with `@link`.
import { createRequire } from 'node:module';
import { parse } from 'graphql';
import { schemaLinks } from '../core/links.ts';

export type FederationVersion =
  | { kind: 'latest'; major: 2; raw: string }
  | { kind: 'exact'; version: SemVer; raw: string };

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  prerelease: string;
}

/** Version of the @apollo/composition package that actually composes. */
export const COMPOSITION_VERSION: string = (
  createRequire(import.meta.url)('@apollo/composition/package.json') as { version: string }
).version;

const ROVER_FORMS = `expected 2, latest-2 or an exact Federation 2 version like =2.7.0`;

/** Returns the parsed version, or a message saying why Tollgate cannot compose with it. */
export function parseFederationVersion(input: string | number): FederationVersion | { error: string } {
  const raw = String(input).trim();
  if (/^(0|1|latest-0|latest-1)$/.test(raw)) return { error: federationOne(raw) };
  if (raw === '2' || raw === 'latest-2') return { kind: 'latest', major: 2, raw };
  if (raw === '3' || raw === 'latest-3') return { error: unsupportedMajor(raw, 3) };

  const exact = /^[=v](.+)$/.exec(raw);
  const version = exact?.[1] === undefined ? undefined : parseSemVer(exact[1]);
  if (version === undefined) return { error: `"${raw}" is not a federation version (${ROVER_FORMS})` };
  if (version.major === 0) return { error: federationOne(raw) };
  if (version.major !== 2) return { error: unsupportedMajor(raw, version.major) };

  const installed = parseSemVer(COMPOSITION_VERSION);
  if (installed !== undefined && compareSemVer(version, installed) > 0) {
    return {
      error:
        `"${raw}" pins a composition newer than the one Tollgate ships (@apollo/composition ` +
        `${COMPOSITION_VERSION}); use 2 or pin =${COMPOSITION_VERSION} or older`,
    };
  }
  return { kind: 'exact', version, raw };
}

/**
 * True when the SDL's schema definition or extension carries `@link` (rover's Fed 2 opt-in test).
 * SDL that does not parse counts as opted in: composition reports the syntax error itself.
 */
export function optsInToFederation2(sdl: string): boolean {
  const links = schemaLinkUrls(sdl);
  return links === undefined || links.length > 0;
}

/** The federation spec version a subgraph links (`.../federation/v2.7` → 2.7), if any. */
export function linkedFederationVersion(sdl: string): { major: number; minor: number } | undefined {
  for (const url of schemaLinkUrls(sdl) ?? []) {
    const m = /^https:\/\/specs\.apollo\.dev\/federation\/v(\d+)\.(\d+)$/.exec(url);
    if (m !== null) return { major: Number(m[1]), minor: Number(m[2]) };
  }
  return undefined;
}

/**
 * A subgraph linking a newer federation spec than a pinned composition knows fails under rover
 * (that composition version rejects the link); say so instead of quietly composing with a newer one.
 */
export function pinnedVersionProblem(pinned: FederationVersion | undefined, sdl: string): string | undefined {
  if (pinned?.kind !== 'exact') return undefined;
  const linked = linkedFederationVersion(sdl);
  if (linked === undefined || linked.major !== pinned.version.major || linked.minor <= pinned.version.minor) {
    return undefined;
  }
  return (
    `links federation v${linked.major}.${linked.minor} but federation_version pins ${pinned.raw}, ` +
    `which does not know it; raise federation_version or lower the @link version`
  );
}

/** `url` arguments of @link on schema definitions/extensions; undefined when the SDL does not parse. */
function schemaLinkUrls(sdl: string): string[] | undefined {
  let document;
  try {
    document = parse(sdl, { noLocation: true });
  } catch {
    return undefined;
  }
  return schemaLinks(document).map((link) => link.url);
}

export function parseSemVer(text: string): SemVer | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(text);
  if (m === null) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), prerelease: m[4] ?? '' };
}

/** Release order only; a prerelease sorts before its release (enough to compare with an installed version). */
function compareSemVer(a: SemVer, b: SemVer): number {
  const byNumber = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (byNumber !== 0) return byNumber;
  if (a.prerelease === b.prerelease) return 0;
  if (a.prerelease === '') return 1;
  if (b.prerelease === '') return -1;
  return a.prerelease < b.prerelease ? -1 : 1;
}

function federationOne(raw: string): string {
  return `"${raw}" selects Federation 1 composition, which Tollgate does not support (${ROVER_FORMS})`;
}

function unsupportedMajor(raw: string, major: number): string {
  return (
    `"${raw}" selects Federation ${major} composition; Tollgate ships Federation 2 ` +
    `(@apollo/composition ${COMPOSITION_VERSION}) (${ROVER_FORMS})`
  );
}
