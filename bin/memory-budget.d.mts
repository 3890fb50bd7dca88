// Types of memory-budget.mjs (plain JavaScript: the supervisor runs without tsx), for the tests.
export declare const MIN_BUDGET_MB: number;
export declare const BUDGET_ENV: string;
export interface Budget {
  budgetMb: number;
  source: 'memory.max_mb' | 'cgroup';
}
export declare function heapSettings(budgetMb: number): { maxOldSpaceMb: number; maxSemiSpaceMb: number; flags: string[] };
export declare function findBudget(serveArgs: string[], env: NodeJS.ProcessEnv, where?: { cgroupRoot?: string; procSelfCgroup?: string }): Budget | undefined;
export declare function configuredWorkers(serveArgs: string[], env: NodeJS.ProcessEnv): number;
export declare function configuredBudget(serveArgs: string[], env: NodeJS.ProcessEnv): number | null | undefined;
export declare function expandPlaceholders(text: string, env: NodeJS.ProcessEnv): string | undefined;
export declare function cgroupLimitMb(root?: string, procSelfCgroup?: string): number | undefined;
export declare function superviseUnderBudget(argv: string[], entry: string, env?: NodeJS.ProcessEnv): boolean;
