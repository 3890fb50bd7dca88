// Wiring of stages 4 (document, cost) and 5 (admit) from gateway.yaml's `demand_control`,
// `quotas` and `redis`: what startGateway builds once, and closes on stop.
import type { Logger } from 'pino';
import type { GatewayConfig } from './config/schema.ts';
import { PersistedQueryCache } from './document/apq-cache.ts';
import { costModelOptions } from './cost/config.ts';
import { buildCostModel } from './cost/model.ts';
import { DocumentStage } from './document/stage.ts';
import type { QuotaRuleConfig } from './quota/config.ts';
import { createQuotaStore, QuotaStage, type QuotaStoreHandle } from './quota/stage.ts';
import type { ApolloServerOptions } from './federation/apollo-server.ts';

export interface AdmissionStages {
  /** Stage 5; undefined when there are no quota rules. */
  quotas: QuotaStage | undefined;
  /** Stage 4 for a supergraph; undefined when neither costs nor operation-keyed quotas need the document. */
  documentStage(supergraphSdl: string): DocumentStage | undefined;
  /** What Apollo Server needs for stages 4–5 (the cost plugin, the shared APQ cache). */
  apolloOptions: ApolloServerOptions;
  /** Closes the quota store (flushing refunds) and its Redis connection. */
  close(): Promise<void>;
}

export function createAdmissionStages(config: GatewayConfig, logger: Logger): AdmissionStages {
  const rules = config.quotas.rules;
  const costQuotas = rules.some(chargesCost);
  const needsCost = config.demand_control.enabled || costQuotas;
  const needsDocument = needsCost || rules.some((rule) => rule.key.includes('operation'));
  let handle: QuotaStoreHandle | undefined;
  let quotas: QuotaStage | undefined;
  if (rules.length > 0) {
    handle = createQuotaStore(config.redis, config.quotas, logger);
    quotas = new QuotaStage(handle.store, config.quotas);
  }
  const persistedQueries = needsCost ? new PersistedQueryCache() : undefined;
  return {
    quotas,
    documentStage(supergraphSdl) {
      if (!needsDocument) return undefined;
      return new DocumentStage({
        model: needsCost ? buildCostModel(supergraphSdl, costModelOptions(config.demand_control)) : undefined,
        demandControl: config.demand_control,
        costRequired: costQuotas || (config.demand_control.enabled && config.demand_control.mode === 'enforce'),
        maxTokens: config.limits.parser_max_tokens,
        persistedQueries,
      });
    },
    apolloOptions: { costs: needsCost, persistedQueries },
    close: async () => handle?.close(),
  };
}

function chargesCost(rule: QuotaRuleConfig): boolean {
  return rule.cost !== undefined || [...Object.values(rule.profiles), ...Object.values(rule.clients)].some((limits) => limits.cost !== undefined);
}
