namespace GpuSharing.Chaos;

/// <summary>One storage outage: how it was made, what the load got meanwhile, and how long writes took to succeed again after it ended.</summary>
public sealed record OutageFigures(string Kind, TimeSpan Duration, RequestStats Stats, TimeSpan? Recovery)
{
    public string Describe() =>
        $"storage {Kind} for {Duration.TotalSeconds:0} s: {Stats.Describe()}; 503 without Retry-After {Stats.UnavailableWithoutRetryAfter}; " +
        $"first write accepted {(Recovery is { } r ? $"{r.TotalSeconds:0.0} s" : "never")} after storage was back";
}
