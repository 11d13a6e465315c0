namespace GpuSharing.Gateway.Serving;

/// <summary>A Prometheus histogram as scraped: cumulative counts per upper bound (the last is +Inf), the count and the sum.</summary>
public sealed record PrometheusHistogram(IReadOnlyList<(double UpperBound, double Cumulative)> Buckets, double Count, double Sum)
{
    /// <summary>What was observed between <paramref name="earlier"/> and this scrape; all of this one after a counter reset (a restarted server).</summary>
    public PrometheusHistogram Since(PrometheusHistogram? earlier)
    {
        if (earlier is null || earlier.Count > Count || earlier.Buckets.Count != Buckets.Count || earlier.Buckets.Zip(Buckets).Any(b => b.First.UpperBound != b.Second.UpperBound))
        {
            return this;
        }

        return new PrometheusHistogram([.. Buckets.Zip(earlier.Buckets, (now, then) => (now.UpperBound, Math.Max(0, now.Cumulative - then.Cumulative)))], Count - earlier.Count, Sum - earlier.Sum);
    }

    /// <summary>
    /// The value below which <paramref name="quantile"/> of the observations fall, interpolated linearly inside its
    /// bucket (as Prometheus' <c>histogram_quantile</c> does); the highest finite bound for the +Inf bucket.
    /// </summary>
    public double Quantile(double quantile)
    {
        if (Count <= 0 || Buckets.Count == 0)
        {
            return double.NaN;
        }

        var rank = quantile * Count;
        var (lower, below) = (0.0, 0.0);
        foreach (var (bound, cumulative) in Buckets)
        {
            if (cumulative >= rank)
            {
                if (double.IsPositiveInfinity(bound))
                {
                    return lower;
                }

                var inBucket = cumulative - below;
                return inBucket <= 0 ? bound : lower + ((bound - lower) * (rank - below) / inBucket);
            }

            (lower, below) = (bound, cumulative);
        }

        return lower;
    }
}
