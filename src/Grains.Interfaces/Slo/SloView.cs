using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Grains.Interfaces.Slo;

/// <summary>
/// A deployment's SLO: its targets, attainment and burn rate per window (5 m, 1 h, 24 h), the error budget left over
/// 24 h, the burn state (<c>fast</c>: 1 h and 5 m both burn over 14.4; <c>slow</c>: 24 h and 1 h both over 1; else
/// <c>ok</c>; <c>no-data</c> without requests; <c>no-slo</c> without targets), and the last 5 minutes' latencies.
/// </summary>
[GenerateSerializer, Immutable, Alias("gpusharing.SloView")]
public sealed record SloView(
    string Deployment,
    SloSpec? Targets,
    IReadOnlyList<SloWindow> Windows,
    double? ErrorBudgetRemaining,
    string Burn,
    double? TtftP50Ms,
    double? TtftP99Ms,
    double? TpotP50Ms,
    double? TpotP99Ms,
    DateTimeOffset? LastSampleAt);
