namespace GpuSharing.LoadGenerator;

/// <summary>What one replayed request came to, as the caller saw it.</summary>
/// <param name="Status">The HTTP status; 0 when the connection failed.</param>
/// <param name="TtftMs">To the first token event; null when none came.</param>
/// <param name="TpotMs">Between the first and the last token event, per token; null with fewer than two.</param>
public sealed record RequestOutcome(string Deployment, string Priority, int Status, double? TtftMs, double? TpotMs, double EndToEndMs);
