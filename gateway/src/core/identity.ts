/**
 * Who is calling, as verified by stage 2. Made from a JWT or an API key; anonymous requests have
 * none (`RequestContext.identity` is undefined). Never holds the credential itself.
 */
export interface Identity {
  readonly method: 'jwt' | 'api_key';
  /** The token's `sub`; undefined for API keys and tokens without `sub`. */
  readonly subject: string | undefined;
  /** The token's client id claim (or `azp`), or the API key's client_id. */
  readonly clientId: string | undefined;
  readonly scopes: ReadonlySet<string>;
  /** The client profile the credential names (stage 3 input): the API key's, or the JWT's `profile_claim`. */
  readonly profile: string | undefined;
  /** The claims named in `authentication.jwt.forward_claims` that the token carries. */
  readonly claims: Readonly<Record<string, unknown>>;
}
