// Prometheus metrics of one relay, registered on a registry the host passes in (never prom-client's
// global one, so several relays can live in one process). Labels are closed sets: frame types and
// error codes, never conversation, user or device ids.
import { ErrorCode, MekongError } from '@mekong/schema';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface RelayMetricsOptions {
  /** Prefix of every metric name. Default 'mekong_relay_'. */
  prefix?: string;
}

/** Frame type label of a frame refused before it could be decoded (text, oversized, rate-limited, malformed). */
export const UNDECODED_FRAME = 'undecoded';

/** What a relay reports at scrape time. */
export interface RelayGaugeSource {
  stats(): { connections: number; subscriptions: number };
}

const SECONDS_FAST = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const SECONDS_SLOW = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * The relay's counters, gauges and histograms. Create one per relay and pass it as the `metrics`
 * option of `createRelay`; a relay without it measures nothing and pays nothing.
 * @example
 * const registry = new Registry();
 * const relay = createRelay({ ...deps, metrics: new RelayMetrics(registry) });
 * // GET /metrics: res.type(registry.contentType).send(await registry.metrics())
 */
export class RelayMetrics {
  /** Open sockets, authenticated or not (read from the relay at scrape time). */
  readonly connections: Gauge;
  /** (connection, conversation) subscriptions (read from the relay at scrape time). */
  readonly subscriptions: Gauge;
  readonly framesReceived: Counter<'type'>;
  readonly framesSent: Counter<'type'>;
  readonly bytesReceived: Counter;
  readonly bytesSent: Counter;
  /** Error frames sent, by error code. */
  readonly errorsSent: Counter<'code'>;
  /** Connections refused at authentication, by error code. */
  readonly authFailures: Counter<'code'>;
  /** How long a push's log append took (seconds). */
  readonly appendSeconds: Histogram;
  /** From the publishing relay's append to this relay handing the update to a socket (seconds, wall clock). */
  readonly fanoutLagSeconds: Histogram;
  /** From subscribe to `synced`: reading the snapshot and the log tail and sending them (seconds). */
  readonly catchUpSeconds: Histogram;
  private source: RelayGaugeSource | undefined;
  /**
   * Frames and bytes counted since the last scrape; the counters above take them in when scraped.
   * Counting runs once per frame sent (per delivery), where a labelled inc() would build its label key.
   */
  private readonly sent = new Tally();
  private readonly received = new Tally();

  constructor(registry: Registry, options: RelayMetricsOptions = {}) {
    const p = options.prefix ?? 'mekong_relay_';
    const registers = [registry];
    const self = this;
    this.connections = new Gauge({
      name: `${p}connections`,
      help: 'Open client sockets on this relay.',
      registers,
      collect() {
        if (self.source) this.set(self.source.stats().connections);
      },
    });
    this.subscriptions = new Gauge({
      name: `${p}subscriptions`,
      help: 'Conversation subscriptions of the open sockets.',
      registers,
      collect() {
        if (self.source) this.set(self.source.stats().subscriptions);
      },
    });
    this.framesReceived = new Counter({
      name: `${p}frames_received_total`,
      help: 'Frames received, by frame type.',
      labelNames: ['type'],
      registers,
      collect() {
        self.received.flushFrames(this);
      },
    });
    this.framesSent = new Counter({
      name: `${p}frames_sent_total`,
      help: 'Frames sent, by frame type.',
      labelNames: ['type'],
      registers,
      collect() {
        self.sent.flushFrames(this);
      },
    });
    this.bytesReceived = new Counter({
      name: `${p}received_bytes_total`,
      help: 'Bytes of frames received.',
      registers,
      collect() {
        self.received.flushBytes(this);
      },
    });
    this.bytesSent = new Counter({
      name: `${p}sent_bytes_total`,
      help: 'Bytes of frames sent.',
      registers,
      collect() {
        self.sent.flushBytes(this);
      },
    });
    this.errorsSent = new Counter({ name: `${p}errors_sent_total`, help: 'Error frames sent, by error code.', labelNames: ['code'], registers });
    this.authFailures = new Counter({
      name: `${p}auth_failures_total`,
      help: 'Connections refused at authentication, by error code.',
      labelNames: ['code'],
      registers,
    });
    this.appendSeconds = new Histogram({
      name: `${p}append_duration_seconds`,
      help: 'Time to append a pushed update to the durable log.',
      buckets: SECONDS_FAST,
      registers,
    });
    this.fanoutLagSeconds = new Histogram({
      name: `${p}fanout_lag_seconds`,
      help: "Time from the publishing relay's append to this relay handing the update to its first local socket, once per update (wall clocks of both hosts).",
      buckets: SECONDS_FAST,
      registers,
    });
    this.catchUpSeconds = new Histogram({
      name: `${p}catch_up_duration_seconds`,
      help: 'Time from a subscribe to its synced frame.',
      buckets: SECONDS_SLOW,
      registers,
    });
  }

  /** Binds the gauges to the relay they describe; createRelay calls it. One relay per RelayMetrics. */
  watch(source: RelayGaugeSource): void {
    if (this.source && this.source !== source) {
      throw new MekongError(ErrorCode.BAD_REQUEST, 'this RelayMetrics already serves a relay; create one per relay, each on its own registry');
    }
    this.source = source;
  }

  frameReceived(type: string, bytes: number): void {
    this.received.add(type, bytes);
  }

  frameSent(type: string, bytes: number): void {
    this.sent.add(type, bytes);
  }

  /** `publishedAt` and `now` are milliseconds of the wall clock; a clock behind the publisher's counts as 0. */
  fanoutLag(publishedAt: number, now: number): void {
    this.fanoutLagSeconds.observe(Math.max(0, now - publishedAt) / 1000);
  }
}

/** Frames by type and their bytes, counted in plain numbers until a scrape hands them to prom-client. */
class Tally {
  private readonly frames = new Map<string, number>();
  private bytes = 0;

  add(type: string, bytes: number): void {
    this.frames.set(type, (this.frames.get(type) ?? 0) + 1);
    this.bytes += bytes;
  }

  flushFrames(counter: Counter<'type'>): void {
    for (const [type, n] of this.frames) if (n > 0) counter.inc({ type }, n);
    // the keys stay (frame types are a closed set), so the next count finds its entry
    for (const type of this.frames.keys()) this.frames.set(type, 0);
  }

  flushBytes(counter: Counter): void {
    if (this.bytes > 0) counter.inc(this.bytes);
    this.bytes = 0;
  }
}
