// What machine a result came from: printed in the header and stored in the JSON.
import { availableParallelism, cpus, totalmem } from 'node:os';

export interface SystemInfo {
  nproc: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  platform: string;
}

export function systemInfo(): SystemInfo {
  return {
    nproc: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}
