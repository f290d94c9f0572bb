import { escapeRegex, gpuUtilizationExpr, promString } from './promql';

describe('PromQL for GPU utilization', () => {
  it('matches exactly the team namespaces', () => {
    expect(gpuUtilizationExpr(['hyperpod-ns-team-a', 'ml.prod'])).toBe('avg by (namespace) (DCGM_FI_DEV_GPU_UTIL{namespace=~"hyperpod-ns-team-a|ml\\\\.prod"})');
  });

  it('escapes regex metacharacters and the string quoting, so a name cannot widen or break the matcher', () => {
    expect(escapeRegex('a.*|b')).toBe('a\\.\\*\\|b');
    expect(promString('x"} or vector(1) #\\')).toBe('"x\\"} or vector(1) #\\\\"');
    const expr = gpuUtilizationExpr(['x"}|.*']);
    expect(expr).toBe('avg by (namespace) (DCGM_FI_DEV_GPU_UTIL{namespace=~"x\\"\\\\}\\\\|\\\\.\\\\*"})');
  });

  it('refuses an empty namespace list (it would match every namespace)', () => {
    expect(() => gpuUtilizationExpr([])).toThrow(/no namespaces/);
  });
});
