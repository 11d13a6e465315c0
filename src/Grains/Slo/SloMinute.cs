namespace GpuSharing.Grains.Slo;

/// <summary>The requests of one minute (Unix minutes) and how many of them met every target.</summary>
[GenerateSerializer, Immutable, Alias("gpusharing.SloMinute")]
public sealed record SloMinute(long Minute, long Requests, long Good);
