// Hot reload's eyes: notices a new supergraph and hands its SDL on. `supergraph.file` is watched
// (its folder, so editors that replace the file by renaming are seen too); `supergraph.compose` is
// re-composed every `poll_interval_ms` (subgraph_url schemas change without any file changing);
// `supergraph.registry` is read when a version is announced, and every `poll_interval_ms`.
// What to do with a new SDL — load it, or refuse it and keep the old one — is the caller's.
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { SupergraphConfig } from './config.ts';
import type { RegistrySource } from './registry-source.ts';
import { loadSupergraphSdl } from './supergraph-source.ts';

export interface SupergraphWatcherOptions {
  /** The SDL serving now: an identical one is not handed on again. */
  current: string;
  /** Called with each new SDL, one at a time; a rejection is reported to onError. */
  onChange(sdl: string): Promise<void>;
  /** A new supergraph that cannot be read or composed, or that onChange refused. */
  onError(error: unknown): void;
  /** The source read fine and holds what was last handed on (clears a read error). */
  onUnchanged?(sdl: string): void;
  /** With `supergraph.registry`: the connection to read it through. */
  registry?: RegistrySource;
}

export interface SupergraphWatcher {
  close(): void;
}

/** Settling time after a file event: editors write in several steps. */
const DEBOUNCE_MS = 100;

export function watchSupergraph(config: SupergraphConfig, baseDir: string, options: SupergraphWatcherOptions): SupergraphWatcher {
  let last = options.current;
  let running: Promise<void> = Promise.resolve();
  let closed = false;
  // One check at a time, in order: a burst of events ends in one reload of the final content.
  const check = () => {
    running = running.then(async () => {
      if (closed) return;
      let sdl: string;
      try {
        sdl = await loadSupergraphSdl(config, baseDir, options.registry);
      } catch (error) {
        options.onError(error);
        return;
      }
      if (closed) return;
      if (sdl === last) {
        options.onUnchanged?.(sdl);
        return;
      }
      last = sdl; // a refused SDL is not retried until the source changes again
      try {
        await options.onChange(sdl);
      } catch (error) {
        options.onError(error);
      }
    });
  };

  if (config.file !== undefined) {
    const path = resolve(baseDir, config.file);
    let timer: NodeJS.Timeout | undefined;
    const watcher: FSWatcher = watch(dirname(path), (_event, name) => {
      if (name !== null && name !== basename(path)) return;
      clearTimeout(timer);
      timer = setTimeout(check, DEBOUNCE_MS);
    });
    watcher.on('error', options.onError);
    return {
      close() {
        closed = true;
        clearTimeout(timer);
        watcher.close();
      },
    };
  }
  const interval = setInterval(check, config.poll_interval_ms);
  interval.unref();
  const unsubscribe = options.registry?.onAnnounce(check);
  return {
    close() {
      closed = true;
      clearInterval(interval);
      unsubscribe?.();
    },
  };
}
