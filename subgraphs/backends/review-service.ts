// review-service: the gRPC backend behind the reviews subgraph (see protos/reviews.proto).
import { reviews, usernameOf, type ReviewRow } from './data.ts';
import type { ReviewMsg, ReviewServiceRpcs } from './protos/index.ts';
import type { RpcHandlers } from './grpc-server.ts';

const toMsg = (r: ReviewRow): ReviewMsg => ({
  id: r.id,
  upc: r.upc,
  authorId: r.authorId,
  authorUsername: usernameOf(r.authorId),
  rating: r.rating,
  body: r.body,
  createdAt: r.createdAt,
});

const newestFirst = (a: ReviewRow, b: ReviewRow): number => b.createdAt.localeCompare(a.createdAt);

export const reviewServiceHandlers: RpcHandlers<ReviewServiceRpcs> = {
  GetSummaries: {
    keys: (req) => req.upcs,
    handle: (req) => ({
      summaries: req.upcs.map((upc) => {
        const ratings = reviews.filter((r) => r.upc === upc).map((r) => r.rating);
        const total = ratings.reduce((sum, r) => sum + r, 0);
        // One decimal, as a product page shows it.
        const averageRating = ratings.length === 0 ? 0 : Math.round((total / ratings.length) * 10) / 10;
        return { upc, averageRating, count: ratings.length };
      }),
    }),
  },
  ListReviewsByProducts: {
    keys: (req) => req.upcs,
    handle: (req) => ({
      products: req.upcs.map((upc) => ({
        upc,
        reviews: reviews.filter((r) => r.upc === upc).sort(newestFirst).slice(0, Math.max(0, req.limit)).map(toMsg),
      })),
    }),
  },
  LatestReviews: {
    keys: () => [],
    handle: (req) => ({ reviews: [...reviews].sort(newestFirst).slice(0, Math.max(0, req.limit)).map(toMsg) }),
  },
};
