// Serves one demo gRPC service: each RPC handler is a plain function over the request; this
// wrapper adds the call log, the optional latency and error replies.
import * as grpc from '@grpc/grpc-js';
import { urlHost } from '../shared/net.ts';
import { beginCall, delay, type BackendService, type CallLog } from './call-log.ts';
import { loadGrpcService, type GrpcServiceName, type RpcMap } from './protos/index.ts';

export type RpcHandlers<R extends RpcMap<R>> = {
  [M in keyof R]: {
    /** The ids the request asks for, for the call log. */
    keys(request: R[M][0]): string[];
    handle(request: R[M][0]): R[M][1];
  };
};

export interface GrpcServerOptions<R extends RpcMap<R>> {
  service: BackendService;
  proto: GrpcServiceName;
  handlers: RpcHandlers<R>;
  calls: CallLog;
  host: string;
  port: number;
  latencyMs: number;
}

export interface RunningGrpcServer {
  /** host:port, as grpc clients take it. */
  address: string;
  stop(): Promise<void>;
}

export async function startGrpcServer<R extends RpcMap<R>>(opts: GrpcServerOptions<R>): Promise<RunningGrpcServer> {
  const server = new grpc.Server();
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const method of Object.keys(opts.handlers) as (keyof R & string)[]) {
    const handler = opts.handlers[method];
    implementation[method] = (call: grpc.ServerUnaryCall<R[typeof method][0], R[typeof method][1]>, callback: grpc.sendUnaryData<R[typeof method][1]>) => {
      const finish = beginCall(opts.calls, opts.service, method, handler.keys(call.request));
      let reply: R[typeof method][1];
      try {
        reply = handler.handle(call.request);
      } catch (err) {
        finish();
        callback({ code: grpc.status.INTERNAL, details: err instanceof Error ? err.message : String(err) });
        return;
      }
      void delay(opts.latencyMs).then(() => {
        finish();
        callback(null, reply);
      });
    };
  }
  server.addService(loadGrpcService(opts.proto).service, implementation);

  const hostPort = `${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${opts.port}`;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(hostPort, grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound)));
  });
  return {
    address: `${urlHost(opts.host)}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        // Graceful first; force after a short grace period so tests never hang on a stuck call.
        const timer = setTimeout(() => server.forceShutdown(), 1000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
