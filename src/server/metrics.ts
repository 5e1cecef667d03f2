import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AudioFormat } from '../audio/formats.js';
import type { EngineInfo } from '../engines/index.js';
import type { SpeechObserver } from '../speech/speech.js';

/** Prometheus metrics of one server instance (its own registry, so tests can run several). */
export class Metrics implements SpeechObserver {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'litetts_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly speechRequests = new Counter({
    name: 'litetts_speech_requests_total',
    help: 'Speech requests by engine, format and outcome (completed, aborted)',
    labelNames: ['engine', 'format', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly audioSeconds = new Counter({
    name: 'litetts_speech_audio_seconds_total',
    help: 'Seconds of audio synthesised',
    labelNames: ['engine'] as const,
    registers: [this.registry],
  });
  readonly piecesRendered = new Counter({
    name: 'litetts_speech_pieces_total',
    help: 'Pieces of text (sentences) rendered by the engines',
    labelNames: ['engine'] as const,
    registers: [this.registry],
  });
  readonly rejectedRequests = new Counter({
    name: 'litetts_speech_rejected_total',
    help: 'Speech requests refused with 503 because the queue was full',
    registers: [this.registry],
  });
  readonly audioCacheHits = new Counter({
    name: 'litetts_speech_cache_hits_total',
    help: 'Speech requests answered from the synthesised-audio cache',
    registers: [this.registry],
  });
  readonly activeRequests = new Gauge({
    name: 'litetts_speech_active_requests',
    help: 'Speech requests being served or waiting',
    registers: [this.registry],
  });

  /** Read from the engines at each scrape (Kokoro can arrive while the server runs). */
  readonly engineAvailable: Gauge<'engine'>;

  constructor(engines: readonly Pick<EngineInfo, 'id' | 'available'>[] = []) {
    collectDefaultMetrics({ register: this.registry, prefix: 'litetts_' });
    this.engineAvailable = new Gauge({
      name: 'litetts_engine_available',
      help: 'Whether each engine can speak now (1) or is not installed (0)',
      labelNames: ['engine'] as const,
      registers: [this.registry],
      collect() {
        for (const engine of engines) this.set({ engine: engine.id }, engine.available() ? 1 : 0);
      },
    });
  }

  admitted(active: number): void {
    this.activeRequests.set(active);
  }

  released(active: number): void {
    this.activeRequests.set(active);
  }

  rejected(): void {
    this.rejectedRequests.inc();
  }

  cacheHit(): void {
    this.audioCacheHits.inc();
  }

  pieceRendered(engine: string): void {
    this.piecesRendered.inc({ engine });
  }

  finished(engine: string, format: AudioFormat, audioSeconds: number, completed: boolean): void {
    this.speechRequests.inc({ engine, format, outcome: completed ? 'completed' : 'aborted' });
    this.audioSeconds.inc({ engine }, audioSeconds);
  }
}
