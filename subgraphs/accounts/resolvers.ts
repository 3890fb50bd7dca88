import { headerValue, type Resolvers } from '../shared/subgraph.ts';
import { loadAll } from '../shared/loaders.ts';
import type { AccountsLoaders, User } from './loaders.ts';

/** Set by the gateway from the verified token; subgraphs trust only gateway-owned headers. */
const SUBJECT_HEADER = 'x-tollgate-sub';

export const accountsResolvers: Resolvers<AccountsLoaders> = {
  Query: {
    me: (_root, _args, ctx) => {
      const sub = headerValue(ctx.headers, SUBJECT_HEADER);
      return sub === undefined ? null : ctx.loaders.user.load(sub);
    },
    user: (_root, args: { id: string }, ctx) => ctx.loaders.user.load(args.id),
    users: async (_root, args: { ids: string[] }, ctx) =>
      (await loadAll(ctx.loaders.user, args.ids)).filter((u): u is User => u !== null),
  },
  User: {
    __resolveReference: (ref: { id: string }, ctx) => ctx.loaders.user.load(ref.id),
  },
};
