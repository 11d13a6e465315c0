namespace GpuSharing.Grains.Interfaces.Slo;

/// <summary>
/// One request as the gateway measured it: time to first token (from arrival, queueing included), time per output
/// token (streamed responses with two tokens or more), end to end, and whether it was served (a 5xx, a shed or a
/// failed proxy attempt is not).
/// </summary>
[GenerateSerializer, Immutable, Alias("gpusharing.SloSample")]
public sealed record SloSample(DateTimeOffset At, double TtftMs, double? TpotMs, double EndToEndMs, bool Served);
