using GpuSharing.Grains.Interfaces.Slo;

namespace GpuSharing.Gateway.Serving;

/// <summary>
/// Requests that reached a server without the gateway, estimated from two scrapes of its <c>/metrics</c>: the requests
/// it counted in between (its TTFT histogram's count, taken at each first token) less those the gateway sent to it in
/// between (counted when sent, so always before the server counts them). A shortfall (requests of ours still waiting
/// for their first token) is carried to the next scrape, so counts even out and a request is never counted twice. Each bypassing request
/// becomes a sample at an evenly spaced quantile of the interval's histograms — its latencies are those the server saw,
/// not the caller — with slow first tokens paired with slow decoding (the histograms are marginal, so this is the
/// most a joint attainment could be).
/// </summary>
public static class BypassTraffic
{
    /// <summary>At most this many samples from one endpoint's scrape; a larger count is recorded as this many.</summary>
    public const int MaxSamplesPerScrape = 5_000;

    public static (IReadOnlyList<SloSample> Samples, double Carry) Estimate(
        BypassSnapshot before, BypassSnapshot now, long forwarded, double carry, DateTimeOffset at)
    {
        var ttft = now.TimeToFirstToken.Since(before.TimeToFirstToken);
        var tpot = now.TimePerOutputToken?.Since(before.TimePerOutputToken);
        var endToEnd = now.EndToEnd?.Since(before.EndToEnd);
        var bypassing = ttft.Count - forwarded + carry;
        if (bypassing < 1)
        {
            return ([], Math.Max(bypassing, -MaxSamplesPerScrape));
        }

        var count = (int)Math.Min(Math.Floor(bypassing), MaxSamplesPerScrape);
        var samples = new List<SloSample>(count);
        for (var i = 0; i < count; i++)
        {
            var quantile = (i + 0.5) / count;
            var first = ttft.Quantile(quantile) * 1000;
            double? perToken = tpot is { Count: > 0 } t ? t.Quantile(quantile) * 1000 : null;
            var whole = endToEnd is { Count: > 0 } e ? e.Quantile(quantile) * 1000 : first;
            samples.Add(new SloSample(at, first, perToken, whole, Served: true));
        }

        return (samples, bypassing - Math.Floor(bypassing));
    }
}
