namespace GpuSharing.Chaos;

/// <summary>
/// The last word on a deployment: present as <see cref="Expected"/>, absent (null), or unknown when the last request
/// got no definite answer (a 503 or a dropped connection may or may not have taken effect).
/// </summary>
public sealed record LedgerEntry(DeploymentPromise? Expected, bool Certain, DateTimeOffset At);
