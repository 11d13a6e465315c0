using GpuSharing.LoadGenerator;

namespace GpuSharing.Unit.Tests.LoadGeneration;

/// <summary>The replay's summary against hand-counted outcomes.</summary>
public sealed class LoadReportTests
{
    [Fact]
    public void Rows_count_what_was_completed_shed_and_failed_and_goodput_is_what_met_the_SLO_per_second()
    {
        RequestOutcome[] outcomes =
        [
            new("a/high", "high", 200, 100, 20, 500),
            new("a/high", "high", 200, 300, 20, 700),   // TTFT beyond 250: completed, not good
            new("a/high", "high", 200, 200, 60, 900),   // TPOT beyond 50: completed, not good
            new("a/high", "high", 200, 150, null, 150), // one token: the TTFT decides
            new("b/low", "low", 429, null, null, 2),
            new("b/low", "low", 200, 900, 90, 3000),    // no targets: served is good
            new("b/low", "low", 0, null, null, 10),
        ];
        var targets = new Dictionary<string, SloTargets> { ["a/high"] = new(250, 50) };

        var rows = LoadReport.Summarize(outcomes, targets, TimeSpan.FromSeconds(2));

        var high = rows[0];
        var low = rows[1];
        Assert.Equal(("a/high", 4, 4, 0, 0), (high.Deployment, high.Requests, high.Completed, high.Shed, high.Failed));
        Assert.Equal((150.0, 300.0, 20.0, 60.0), (high.TtftP50Ms, high.TtftP99Ms, high.TpotP50Ms, high.TpotP99Ms));
        Assert.Equal((0.5, 1.0), (high.Attainment, high.Goodput));
        Assert.Equal(("b/low", 3, 1, 1, 1), (low.Deployment, low.Requests, low.Completed, low.Shed, low.Failed));
        Assert.Equal(1 / 3.0, low.Attainment!.Value, 6);
        Assert.Equal(0.5, low.Goodput);
        Assert.Contains("| a/high | high | 4 | 4 | 0 | 0 | 150.0 | 300.0 | 20.0 | 60.0 | 50.0% | 1.00 |", LoadReport.ToMarkdown(rows), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new double[] { }, 0.5, null)]
    [InlineData(new double[] { 7 }, 0.99, 7.0)]
    [InlineData(new double[] { 1, 2, 3, 4 }, 0.5, 2.0)]
    [InlineData(new double[] { 1, 2, 3, 4 }, 0.99, 4.0)]
    public void Percentiles_are_nearest_rank(double[] sorted, double quantile, double? expected) =>
        Assert.Equal(expected, LoadReport.Percentile(sorted, quantile));
}
