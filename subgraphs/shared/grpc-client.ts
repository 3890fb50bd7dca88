// A promise-based client for one demo gRPC service, created once per subgraph and shared by
// all its requests (one HTTP/2 connection, multiplexed).
import * as grpc from '@grpc/grpc-js';
import { loadGrpcService, type GrpcRpcs, type GrpcServiceName } from '../backends/protos/index.ts';

/** Every outbound call has a deadline; the demo backends answer in milliseconds. */
const TIMEOUT_MS = 5_000;

type RequestOf<T> = T extends [infer Req, unknown] ? Req : never;
type ResponseOf<T> = T extends [unknown, infer Res] ? Res : never;

/** R is an RPC map such as OrderServiceRpcs (method → [request, response]). */
export interface GrpcClient<R> {
  call<M extends keyof R & string>(method: M, request: RequestOf<R[M]>): Promise<ResponseOf<R[M]>>;
  close(): void;
}

type UnaryMethod = (
  request: unknown,
  options: grpc.CallOptions,
  callback: (err: grpc.ServiceError | null, response: unknown) => void,
) => grpc.ClientUnaryCall;

export function createGrpcClient<N extends GrpcServiceName>(name: N, address: string): GrpcClient<GrpcRpcs[N]> {
  const Client = loadGrpcService(name);
  const client = new Client(address, grpc.credentials.createInsecure());
  return {
    call(method, request) {
      const fn = client[method] as UnaryMethod | undefined;
      if (typeof fn !== 'function') return Promise.reject(new Error(`unknown RPC ${name}.${method}`));
      return new Promise((resolve, reject) => {
        fn.call(client, request, { deadline: Date.now() + TIMEOUT_MS }, (err, response) =>
          err ? reject(err) : resolve(response as ResponseOf<GrpcRpcs[N][typeof method]>),
        );
      });
    },
    close: () => client.close(),
  };
}
