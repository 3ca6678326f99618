import {
  applyFaultsPatch,
  defaultFaults,
  faultEnvironmentVariables,
  faultsFromEnv,
  seedFromEnv,
} from './sandbox.config.js';

describe('sandbox fault settings', () => {
  it('should read SANDBOX_* variables: all endpoints first, then per endpoint', () => {
    const f = faultsFromEnv({
      SANDBOX_ERROR_RATE: '0.1',
      SANDBOX_INITIATE_FLOW_ERROR_RATE: '0.5',
      SANDBOX_SUBMISSIONS_LATENCY_MS: '250',
      SANDBOX_TOKEN_LIFETIME_SECONDS: '60',
      SANDBOX_CALLBACK_DUPLICATES: '3',
      SANDBOX_CALLBACK_RETRY_SCHEDULE_MS: '1000, 2000,5000',
      SANDBOX_CALLBACK_DROP_RATE: '0.25',
      SANDBOX_IMAGE_URL_LIFETIME_SECONDS: '5',
      SANDBOX_IMAGE_FORMAT: 'WebP',
    });
    expect(f.images).toMatchObject({ lifetimeSeconds: 5, format: 'webp', body: 'image' });
    expect(f.endpoints.token.errorRate).toBe(0.1);
    expect(f.endpoints.initiateFlow.errorRate).toBe(0.5);
    expect(f.endpoints.submissions).toMatchObject({ errorRate: 0.1, latencyMs: 250 });
    expect(f.tokenLifetimeSeconds).toBe(60);
    expect(f.callbacks).toMatchObject({ duplicates: 3, retryScheduleMs: [1000, 2000, 5000], dropRate: 0.25 });
  });

  it('should name the variable when a value is wrong', () => {
    expect(() => faultsFromEnv({ SANDBOX_THROTTLE_RATE: '2' })).toThrow(
      /SANDBOX_THROTTLE_RATE: must be a rate/,
    );
    expect(() => faultsFromEnv({ SANDBOX_IMAGE_BODY: 'gif' })).toThrow(/SANDBOX_IMAGE_BODY: must be one of/);
    expect(() => faultsFromEnv({ SANDBOX_TOKEN_TIMEOUT_RATE: 'often' })).toThrow(
      /SANDBOX_TOKEN_TIMEOUT_RATE must be a number/,
    );
    expect(() => faultsFromEnv({ SANDBOX_CALLBACK_RETRY_SCHEDULE_MS: '1s,2s' })).toThrow(
      /SANDBOX_CALLBACK_RETRY_SCHEDULE_MS/,
    );
    expect(() => seedFromEnv({ SANDBOX_SEED: '-1' })).toThrow(/SANDBOX_SEED/);
    expect(seedFromEnv({ SANDBOX_SEED: '42' })).toBe(42);
  });

  it('should have no faults and the provider defaults without variables', () => {
    expect(faultsFromEnv({})).toEqual(defaultFaults());
    expect(defaultFaults().tokenLifetimeSeconds).toBe(1800);
  });

  it('should refuse unknown fields and bad values in a control-API patch', () => {
    const base = defaultFaults();
    expect(() => applyFaultsPatch(base, { endpoints: { nope: {} } })).toThrow(/endpoints.nope/);
    expect(() => applyFaultsPatch(base, { all: { errorRate: -1 } })).toThrow(/all.errorRate/);
    expect(() => applyFaultsPatch(base, { callbacks: { duplicates: 0 } })).toThrow(/callbacks.duplicates/);
    expect(() => applyFaultsPatch(base, { surprise: 1 })).toThrow(/surprise/);
    const next = applyFaultsPatch(base, { all: { latencyMs: 5 }, endpoints: { token: { throttleRate: 1 } } });
    expect(next.endpoints.initiateFlow.latencyMs).toBe(5);
    expect(next.endpoints.token).toMatchObject({ latencyMs: 5, throttleRate: 1 });
    expect(base.endpoints.token.throttleRate).toBe(0);
  });

  it('should list every variable it reads (README.md documents the same list)', () => {
    const names = faultEnvironmentVariables();
    expect(names).toContain('SANDBOX_INITIATE_FLOW_TIMEOUT_RATE');
    expect(names).toContain('SANDBOX_CALLBACK_REORDER_RATE');
    expect(names).toContain('SANDBOX_IMAGE_URL_LIFETIME_SECONDS');
    expect(names.every((n) => n.startsWith('SANDBOX_'))).toBe(true);
  });
});
