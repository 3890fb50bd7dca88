// The reviews subgraph: product reviews and rating summaries, backed by review-service (gRPC).
import { buildSchema, type SubgraphModule } from '../shared/subgraph.ts';
import { createGrpcClient } from '../shared/grpc-client.ts';
import { createReviewsLoaders, type ReviewsLoaders } from './loaders.ts';
import { reviewsResolvers } from './resolvers.ts';

export function createReviewsSubgraph(backends: { reviewServiceAddress: string }): SubgraphModule<ReviewsLoaders> {
  // One channel for the subgraph's lifetime; requests multiplex over it.
  const client = createGrpcClient('reviews', backends.reviewServiceAddress);
  return {
    schema: buildSchema('reviews', reviewsResolvers),
    createContext: (req) => ({ headers: req.headers, loaders: createReviewsLoaders(client) }),
    close: () => client.close(),
  };
}
