namespace GpuSharing.Grains.Interfaces.Slo;

/// <summary>
/// One rolling window: requests, those that met every target, attainment (good ÷ requests) and burn rate (the bad
/// fraction ÷ the error budget, 1 − target; 1 spends the budget exactly over the SLO period).
/// </summary>
[GenerateSerializer, Immutable, Alias("gpusharing.SloWindow")]
public sealed record SloWindow(string Window, long Requests, long Good, double? Attainment, double? BurnRate);
