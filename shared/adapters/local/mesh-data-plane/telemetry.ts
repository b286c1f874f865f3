/**
 * Istio's standard metrics, kept by the local data plane as a sidecar's Envoy keeps them:
 * istio_requests_total (a counter) and istio_request_duration_milliseconds (a histogram with
 * Istio's default buckets), labelled by reporter, source and destination workload and service,
 * response code and Envoy's response flags. https://istio.io/latest/docs/reference/config/metrics/
 * Served as Prometheus text at /stats/prometheus (Envoy's merged stats endpoint, port 15090), read
 * in process by `snapshot()`, and summed per destination once a window for the breaker alarm (onWindow).
 */

/** Istio's default duration buckets, in ms. */
export const DURATION_BUCKETS_MS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];

export interface RequestLabels {
  /** source: the caller's proxy saw it (local replies included); destination: a pod answered it (each try). */
  reporter: 'source' | 'destination';
  source_workload: string;
  source_workload_namespace: string;
  destination_service_name: string;
  destination_service_namespace: string;
  destination_workload_namespace: string;
  response_code: string;
  response_flags: string;
}

export interface SeriesSnapshot {
  labels: RequestLabels;
  requests: number;
  durationSumMs: number;
  /** Cumulative counts per bucket of DURATION_BUCKETS_MS, then +Inf. */
  buckets: number[];
}

/**
 * One window's answers from one destination service's pods (reporter="destination", every try),
 * as the breaker alarm's metric reads them: a reply the proxy made itself never reached a pod.
 */
export interface DestinationWindow {
  service: string;
  namespace: string;
  requests: number;
  /** Of them, answers with a 5xx code. */
  errors5xx: number;
  windowStart: Date;
  windowEnd: Date;
}

const LABEL_ORDER: (keyof RequestLabels)[] = [
  'reporter',
  'source_workload',
  'source_workload_namespace',
  'destination_service_name',
  'destination_service_namespace',
  'destination_workload_namespace',
  'response_code',
  'response_flags',
];

interface Series {
  labels: RequestLabels;
  requests: number;
  durationSumMs: number;
  bucketCounts: number[];
}

export class MeshTelemetry {
  private readonly series = new Map<string, Series>();
  private window = new Map<string, DestinationWindow>();
  private windowStart: Date;
  private readonly listeners = new Set<(windows: DestinationWindow[]) => void>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly now: () => Date = () => new Date()) {
    this.windowStart = now();
  }

  record(labels: RequestLabels, durationMs: number): void {
    const key = LABEL_ORDER.map((k) => labels[k]).join('\u0000');
    let series = this.series.get(key);
    if (!series) {
      series = { labels: { ...labels }, requests: 0, durationSumMs: 0, bucketCounts: DURATION_BUCKETS_MS.map(() => 0) };
      this.series.set(key, series);
    }
    series.requests += 1;
    series.durationSumMs += durationMs;
    const bucket = DURATION_BUCKETS_MS.findIndex((le) => durationMs <= le);
    if (bucket >= 0) series.bucketCounts[bucket]! += 1;
    if (labels.reporter === 'destination') this.countInWindow(labels);
  }

  private countInWindow(labels: RequestLabels): void {
    const destination = `${labels.destination_service_namespace}/${labels.destination_service_name}`;
    let window = this.window.get(destination);
    if (!window) {
      window = {
        service: labels.destination_service_name,
        namespace: labels.destination_service_namespace,
        requests: 0,
        errors5xx: 0,
        windowStart: this.windowStart,
        windowEnd: this.windowStart,
      };
      this.window.set(destination, window);
    }
    window.requests += 1;
    if (labels.response_code.startsWith('5')) window.errors5xx += 1;
  }

  /** Every series so far, for `mesh top` and tests. */
  snapshot(): SeriesSnapshot[] {
    return [...this.series.values()].map((s) => {
      let running = 0;
      const buckets = s.bucketCounts.map((count) => (running += count));
      return { labels: { ...s.labels }, requests: s.requests, durationSumMs: s.durationSumMs, buckets: [...buckets, s.requests] };
    });
  }

  /** Sums the requests to a destination service and its 5xx answers as callers saw them (reporter="source"). */
  totals(service: string, namespace?: string): { requests: number; errors5xx: number } {
    let requests = 0;
    let errors5xx = 0;
    for (const s of this.series.values()) {
      if (s.labels.reporter !== 'source' || s.labels.destination_service_name !== service) continue;
      if (namespace !== undefined && s.labels.destination_service_namespace !== namespace) continue;
      requests += s.requests;
      if (s.labels.response_code.startsWith('5')) errors5xx += s.requests;
    }
    return { requests, errors5xx };
  }

  /**
   * Calls back with each destination's requests and 5xx answers since the last window, every
   * `seconds` (1 by default) of real time and on flushWindow(); windows without traffic are not sent.
   * Answers a function that stops the callback.
   */
  onWindow(callback: (windows: DestinationWindow[]) => void, seconds = 1): () => void {
    this.listeners.add(callback);
    if (!this.timer) {
      this.timer = setInterval(() => this.flushWindow(), seconds * 1000);
      this.timer.unref();
    }
    return () => {
      this.listeners.delete(callback);
      if (this.listeners.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  /** Ends the current window now and hands it to every onWindow listener. */
  flushWindow(): DestinationWindow[] {
    const end = this.now();
    const windows = [...this.window.values()].map((w) => ({ ...w, windowEnd: end }));
    this.window = new Map();
    this.windowStart = end;
    if (windows.length > 0) {
      for (const listener of this.listeners) {
        try {
          listener(windows);
        } catch {
          // A failing listener must not stop the others or the proxy.
        }
      }
    }
    return windows;
  }

  /** Prometheus text exposition format 0.0.4. */
  prometheus(): string {
    const lines = ['# TYPE istio_requests_total counter'];
    const all = this.snapshot();
    for (const s of all) lines.push(`istio_requests_total{${labelText(s.labels)}} ${s.requests}`);
    lines.push('# TYPE istio_request_duration_milliseconds histogram');
    for (const s of all) {
      const base = labelText(s.labels);
      for (const [i, le] of DURATION_BUCKETS_MS.entries()) lines.push(`istio_request_duration_milliseconds_bucket{${base},le="${le}"} ${s.buckets[i]}`);
      lines.push(`istio_request_duration_milliseconds_bucket{${base},le="+Inf"} ${s.requests}`);
      lines.push(`istio_request_duration_milliseconds_sum{${base}} ${round(s.durationSumMs)}`);
      lines.push(`istio_request_duration_milliseconds_count{${base}} ${s.requests}`);
    }
    return `${lines.join('\n')}\n`;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }
}

const round = (n: number) => Math.round(n * 1000) / 1000;
const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labelText = (labels: RequestLabels) => LABEL_ORDER.map((k) => `${k}="${escapeLabel(labels[k])}"`).join(',');
