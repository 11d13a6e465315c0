using GpuSharing.Gateway.Serving;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Serving;

namespace GpuSharing.Gateway.Tests.Serving;

/// <summary>Reading vLLM's /metrics page, and the requests past the gateway estimated from two scrapes, against hand-computed figures.</summary>
public sealed class BypassTrafficTests
{
    private const string Qwen = "Qwen/Qwen2.5-7B-Instruct";
    private static readonly DateTimeOffset At = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    private static string Page => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Serving", "Pages", "vllm-v1-metrics.txt"));

    [Fact]
    public void A_vllm_metrics_page_gives_each_models_histograms_added_up_over_its_engines()
    {
        var ttft = VllmMetricsPage.Histogram(Page, VllmMetricsPage.TimeToFirstToken, Qwen)!;
        var llama = VllmMetricsPage.Histogram(Page, VllmMetricsPage.TimeToFirstToken, "meta-llama/Llama-3.1-8B-Instruct")!;
        var tpot = VllmMetricsPage.Histogram(Page, VllmMetricsPage.TimePerOutputToken, Qwen)!;

        Assert.Equal([(0.1, 12.0), (0.25, 35.0), (0.5, 47.0), (1.0, 50.0), (double.PositiveInfinity, 50.0)], ttft.Buckets);
        Assert.Equal((50.0, 13.25), (ttft.Count, ttft.Sum));
        Assert.Equal((7.0, 0.4), (llama.Count, llama.Sum));
        Assert.Equal(40.0, tpot.Count);
        Assert.Null(VllmMetricsPage.Histogram(Page, VllmMetricsPage.TimeToFirstToken, "not/served"));

        // The median falls in (0.1, 0.25]: 12 below, 23 inside, rank 25 → 0.1 + 0.15 × 13/23.
        Assert.Equal(0.1 + (0.15 * 13 / 23), ttft.Quantile(0.5), 9);
        Assert.Equal(1.0, ttft.Quantile(1.0), 9);
    }

    [Fact]
    public void Requests_the_server_finished_beyond_those_the_gateway_forwarded_are_samples_at_the_servers_latencies()
    {
        var before = Snapshot(ttft: [(0.1, 4), (0.5, 10), (double.PositiveInfinity, 10)]);
        var after = Snapshot(ttft: [(0.1, 4), (0.5, 14), (double.PositiveInfinity, 16)]); // 6 more: 4 in (0.1, 0.5], 2 beyond 0.5

        var (samples, carry) = BypassTraffic.Estimate(before, after, forwarded: 4, carry: 0, At);

        // 2 bypassing requests at quantiles 0.25 and 0.75 of the interval's histogram: rank 1.5 of 4 in (0.1, 0.5] → 0.25 s;
        // rank 4.5 falls in the +Inf bucket → its lower bound, 0.5 s.
        Assert.Equal([250.0, 500.0], samples.Select(s => Math.Round(s.TtftMs, 6)));
        Assert.All(samples, s => Assert.True(s.Served && s.At == At));
        Assert.Equal(0, carry);
    }

    [Fact]
    public void A_gateway_count_ahead_of_the_server_is_carried_and_a_restarted_server_counts_from_zero()
    {
        var before = Snapshot(ttft: [(1, 10), (double.PositiveInfinity, 10)]);
        var after = Snapshot(ttft: [(1, 13), (double.PositiveInfinity, 13)]);
        var later = Snapshot(ttft: [(1, 17), (double.PositiveInfinity, 17)]);
        var restarted = Snapshot(ttft: [(1, 2), (double.PositiveInfinity, 2)]);

        var (none, carry) = BypassTraffic.Estimate(before, after, forwarded: 4, carry: 0, At);       // 3 finished, 4 forwarded
        var (one, rest) = BypassTraffic.Estimate(after, later, forwarded: 2, carry: carry, At);     // 4 finished, 2 forwarded, 1 owed
        var (fresh, _) = BypassTraffic.Estimate(later, restarted, forwarded: 0, carry: 0, At);     // the counters went back: all 2 are new

        Assert.Equal((0, -1.0), (none.Count, carry));
        Assert.Equal((1, 0.0), (one.Count, rest));
        Assert.Equal(2, fresh.Count);
    }

    private static BypassSnapshot Snapshot((double, double)[] ttft) =>
        new(new PrometheusHistogram([.. ttft], ttft[^1].Item2, 0), null, null);

    [Fact]
    public void A_request_of_ours_counts_when_sent_so_a_scrape_during_its_answer_never_takes_it_for_a_bypassing_one()
    {
        var target = new ReplicaTarget(new ReplicaEndpoint("a/b", 0, "n", "http://replica:8000", Qwen, Priority.Medium, 8, "vllm"));

        long sentMidway;
        using (var forwarding = target.Carry())
        {
            sentMidway = target.Sent; // the server has its first token; the answer is still streaming
        }

        using (var refused = target.Carry())
        {
            refused.NotCountedByServer();
            refused.NotCountedByServer(); // once, however often it is said
        }

        Assert.Equal(1, sentMidway);
        Assert.Equal((2L, 1L, 0), (target.Sent, target.Uncounted, target.Outstanding));

        // The server counted our one request at its first token, and nothing else: nothing bypassed the gateway.
        var before = new BypassSnapshot(new PrometheusHistogram([(1.0, 0.0), (double.PositiveInfinity, 0.0)], 0, 0), null, null);
        var after = new BypassSnapshot(new PrometheusHistogram([(1.0, 1.0), (double.PositiveInfinity, 1.0)], 1, 0.2), null, null);
        var (samples, carry) = BypassTraffic.Estimate(before, after, sentMidway, 0, At);
        Assert.Empty(samples);
        Assert.Equal(0, carry);
    }
}
