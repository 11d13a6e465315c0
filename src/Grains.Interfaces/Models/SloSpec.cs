namespace GpuSharing.Grains.Interfaces.Models;

/// <summary>Latency targets: time to first token, time per output token, and the fraction of requests that must meet them.</summary>
[GenerateSerializer, Immutable, Alias("gpusharing.SloSpec")]
public sealed record SloSpec(int? TtftMs, int? TpotMs, double? Target);
