import { pageSize, type Resolvers } from '../shared/subgraph.ts';
import type { ReviewMsg, SummaryMsg } from '../backends/protos/index.ts';
import type { ReviewsLoaders } from './loaders.ts';

export const reviewsResolvers: Resolvers<ReviewsLoaders> = {
  Query: {
    latestReviews: (_root, args: { first: number }, ctx) => ctx.loaders.latest(pageSize(args.first)),
  },
  Product: {
    // Nothing to fetch: every field here is looked up by upc.
    __resolveReference: (ref: { upc: string }) => ({ upc: ref.upc }),
    reviewSummary: async (product: { upc: string }, _args, ctx) => {
      const summary: SummaryMsg | null = await ctx.loaders.summary.load(product.upc);
      if (summary === null) return null;
      return { count: summary.count, averageRating: summary.count === 0 ? null : summary.averageRating };
    },
    reviews: (product: { upc: string }, args: { first: number }, ctx) => ctx.loaders.reviews(pageSize(args.first)).load(product.upc),
  },
  Review: {
    author: (review: ReviewMsg) => ({ id: review.authorId, username: review.authorUsername }),
    product: (review: ReviewMsg) => ({ upc: review.upc }),
  },
};
