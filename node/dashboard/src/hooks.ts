import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "./api.js";

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | Error | undefined;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads `load()` now and every `everyMs` (when set), aborting what is under way when the view
 * goes or its inputs (`deps`) change. A failed refresh keeps the last data and shows the error.
 */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[], everyMs?: number): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | Error | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        const value = await loadRef.current(controller.signal);
        if (controller.signal.aborted) return;
        setData(value);
        setError(undefined);
      } catch (err) {
        if (controller.signal.aborted) return;
        setError(err as Error);
      } finally {
        if (!controller.signal.aborted) {
          setLoading(false);
          if (everyMs) timer = setTimeout(run, everyMs);
        }
      }
    };
    setLoading(true);
    void run();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
    // `load` is read through a ref: a new closure each render must not restart the polling.
  }, [...deps, tick, everyMs]);

  return { data, error, loading, reload };
}
