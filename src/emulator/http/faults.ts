import { createPrng, type Prng } from '../prng';

export type NonJsonKind = 'html502' | 'text429';

export interface FaultOptions {
  /** Added to every affected request, plus a uniform random 0..jitterMs. */
  latencyMs: number;
  jitterMs: number;
  /** Fraction of affected requests answered with one of `errorStatuses` and a Descope-style JSON body. */
  errorRate: number;
  errorStatuses: number[];
  /** Fraction answered with a body that is not JSON, as a CDN or load balancer in front of Descope would send. */
  nonJsonRate: number;
  /** Which non-JSON replies to send; both by default, picked at random. */
  nonJsonKinds: NonJsonKind[];
  /** The next N affected requests fail with `errorStatuses[0]`: deterministic, unlike the rates. */
  failNext: number;
  /** Searches return `users: []` (a partial outage); see `emptySearchTotal`. */
  emptySearch: boolean;
  /**
   * `real`: the page is empty but `total` still counts the matches, an inconsistency a careful client can detect.
   * `zero`: `total` is 0 too, which looks exactly like an empty project.
   */
  emptySearchTotal: 'real' | 'zero';
  /** Endpoint classes the faults apply to (see EndpointName); empty means all management endpoints. */
  endpoints: string[];
  /** Seed of the PRNG behind the rates, so a failing run replays. */
  seed: number;
}

export const NO_FAULTS: FaultOptions = {
  latencyMs: 0,
  jitterMs: 0,
  errorRate: 0,
  errorStatuses: [500, 502, 503],
  nonJsonRate: 0,
  nonJsonKinds: ['html502', 'text429'],
  failNext: 0,
  emptySearch: false,
  emptySearchTotal: 'real',
  endpoints: [],
  seed: 1,
};

export type Fault = { kind: 'status'; status: number } | { kind: 'nonJson'; variant: NonJsonKind };

/** Decides, per request, what goes wrong. Configurable at start and while running. */
export class FaultInjector {
  private options: FaultOptions;
  private prng: Prng;

  constructor(initial: Partial<FaultOptions> = {}) {
    this.options = { ...NO_FAULTS, ...initial };
    this.prng = createPrng(this.options.seed);
  }

  get(): FaultOptions {
    return { ...this.options, errorStatuses: [...this.options.errorStatuses], endpoints: [...this.options.endpoints] };
  }

  set(changes: Partial<FaultOptions>): void {
    this.options = { ...this.options, ...changes };
    if (changes.seed !== undefined) this.prng = createPrng(changes.seed);
  }

  reset(): void {
    this.options = { ...NO_FAULTS };
    this.prng = createPrng(NO_FAULTS.seed);
  }

  applies(endpoint: string): boolean {
    return this.options.endpoints.length === 0 || this.options.endpoints.includes(endpoint);
  }

  delayMs(endpoint: string): number {
    const { latencyMs, jitterMs } = this.options;
    if (!this.applies(endpoint) || (latencyMs <= 0 && jitterMs <= 0)) return 0;
    return Math.max(0, latencyMs) + (jitterMs > 0 ? this.prng.next() * jitterMs : 0);
  }

  decide(endpoint: string): Fault | undefined {
    if (!this.applies(endpoint)) return undefined;
    const { errorStatuses, nonJsonKinds } = this.options;
    if (this.options.failNext > 0) {
      this.options.failNext--;
      return { kind: 'status', status: errorStatuses[0] ?? 500 };
    }
    if (this.prng.chance(this.options.nonJsonRate) && nonJsonKinds.length > 0) {
      return { kind: 'nonJson', variant: this.prng.pick(nonJsonKinds) };
    }
    if (this.prng.chance(this.options.errorRate) && errorStatuses.length > 0) {
      return { kind: 'status', status: this.prng.pick(errorStatuses) };
    }
    return undefined;
  }

  emptySearch(): FaultOptions['emptySearchTotal'] | undefined {
    return this.options.emptySearch && this.applies('search') ? this.options.emptySearchTotal : undefined;
  }
}
