namespace GpuSharing.Grains.Slo;

/// <summary>A deployment's SLO ledger: one entry per minute with requests, the last 24 hours.</summary>
[GenerateSerializer, Alias("gpusharing.SloGrainState")]
public sealed class SloGrainState
{
    [Id(0)]
    public List<SloMinute> Minutes { get; set; } = [];
}
