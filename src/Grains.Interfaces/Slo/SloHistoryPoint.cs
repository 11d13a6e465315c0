namespace GpuSharing.Grains.Interfaces.Slo;

/// <summary>
/// One minute of a deployment's SLO history: its requests, how many met every target, that minute's attainment, and
/// the burn rate over the 5 minutes ending with it (null without requests, or without targets).
/// </summary>
[GenerateSerializer, Immutable, Alias("gpusharing.SloHistoryPoint")]
public sealed record SloHistoryPoint(DateTimeOffset Minute, long Requests, long Good, double? Attainment, double? BurnRate5m);
