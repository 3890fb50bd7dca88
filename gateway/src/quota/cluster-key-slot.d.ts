// The slice of cluster-key-slot's API the quota store uses (the package ships no types).
declare module 'cluster-key-slot' {
  /** The Redis Cluster slot (0–16383) of a key: CRC16 of its {hash tag}, or of the whole key. */
  function calculateSlot(key: string): number;
  export default calculateSlot;
}
