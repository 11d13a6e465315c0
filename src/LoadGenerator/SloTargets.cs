namespace GpuSharing.LoadGenerator;

/// <summary>A deployment's latency targets as the gateway reports them (<c>GET /api/v1/slo/{ns}/{name}</c>); null: none.</summary>
public sealed record SloTargets(double? TtftMs, double? TpotMs)
{
    /// <summary>Served (200) within every target this deployment has.</summary>
    public bool Met(RequestOutcome outcome) =>
        outcome.Status == 200
        && outcome.TtftMs is { } ttft
        && (TtftMs is not { } ttftTarget || ttft <= ttftTarget)
        && (TpotMs is not { } tpotTarget || outcome.TpotMs is not { } tpot || tpot <= tpotTarget);
}
