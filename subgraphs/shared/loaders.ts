// Small helpers for building DataLoaders over batch backends.
import DataLoader from 'dataloader';

/**
 * Lines up a batch reply with the asked keys, as DataLoader requires: one entry per key, in key
 * order, null where the backend had nothing (batch endpoints simply leave unknown ids out).
 */
export function alignByKey<K, V>(keys: readonly K[], items: readonly V[], keyOf: (item: V) => K): (V | null)[] {
  const byKey = new Map<K, V>();
  for (const item of items) byKey.set(keyOf(item), item);
  return keys.map((key) => byKey.get(key) ?? null);
}

/**
 * One DataLoader per argument value, for list fields with an argument such as
 * `recentOrders(first: 3)`: all keys asked with the same `first` share one batch call.
 */
export function loaderPerArg<A, K, V>(make: (arg: A) => DataLoader<K, V>): (arg: A) => DataLoader<K, V> {
  const loaders = new Map<A, DataLoader<K, V>>();
  return (arg) => {
    let loader = loaders.get(arg);
    if (!loader) {
      loader = make(arg);
      loaders.set(arg, loader);
    }
    return loader;
  };
}

/** loadMany, but a failed batch call surfaces as a thrown error instead of Error entries. */
export async function loadAll<K, V>(loader: DataLoader<K, V>, keys: readonly K[]): Promise<V[]> {
  const results = await loader.loadMany(keys);
  const failure = results.find((r): r is Error => r instanceof Error);
  if (failure) throw failure;
  return results as V[];
}
