// What a cached document costs on the heap, for the document caches' byte budget. A parsed and
// validated document keeps its AST with locations and the lexer's token list: about 30–65 bytes
// per character of query text, depending on how short its tokens are (measured with
// bench/cache-footprint.ts: 5 KB for the 78-character one-hop query, 30 KB for the 758-character
// heavy query, 65 KB for 1,266 characters of twenty aliased root fields). Erring high is safe.

/** Heap bytes per character of query text, and per entry (key string, Map entry, stage-4 metrics). */
const BYTES_PER_CHAR = 52;
const BYTES_PER_ENTRY = 1536;

/** A cached document's approximate heap footprint, from the length of its query text. */
export function documentFootprint(queryLength: number): number {
  return BYTES_PER_ENTRY + BYTES_PER_CHAR * queryLength;
}
