// reviews → review-service (gRPC). One GetSummaries and one ListReviewsByProducts per page size
// per request tick, however many products are asked.
import DataLoader from 'dataloader';
import type { GrpcClient } from '../shared/grpc-client.ts';
import { alignByKey, loaderPerArg } from '../shared/loaders.ts';
import type { ReviewMsg, ReviewServiceRpcs, SummaryMsg } from '../backends/protos/index.ts';

export interface ReviewsLoaders {
  summary: DataLoader<string, SummaryMsg | null>;
  /** Newest reviews by upc, for one `first` value. */
  reviews(first: number): DataLoader<string, ReviewMsg[]>;
  latest(limit: number): Promise<ReviewMsg[]>;
}

export function createReviewsLoaders(client: GrpcClient<ReviewServiceRpcs>): ReviewsLoaders {
  return {
    summary: new DataLoader(async (upcs) => {
      const { summaries } = await client.call('GetSummaries', { upcs: [...upcs] });
      return alignByKey(upcs, summaries, (s) => s.upc);
    }),
    reviews: loaderPerArg(
      (limit: number) =>
        new DataLoader<string, ReviewMsg[]>(async (upcs) => {
          const { products } = await client.call('ListReviewsByProducts', { upcs: [...upcs], limit });
          return alignByKey(upcs, products, (p) => p.upc).map((p) => p?.reviews ?? []);
        }),
    ),
    latest: async (limit) => (await client.call('LatestReviews', { limit })).reviews,
  };
}
