namespace GpuSharing.Gateway.Serving;

/// <summary>One scrape of a server's latency histograms for the model it serves.</summary>
public sealed record BypassSnapshot(PrometheusHistogram TimeToFirstToken, PrometheusHistogram? TimePerOutputToken, PrometheusHistogram? EndToEnd)
{
    public static BypassSnapshot? From(string page, string modelName) =>
        VllmMetricsPage.Histogram(page, VllmMetricsPage.TimeToFirstToken, modelName) is { } ttft
            ? new BypassSnapshot(ttft, VllmMetricsPage.Histogram(page, VllmMetricsPage.TimePerOutputToken, modelName), VllmMetricsPage.Histogram(page, VllmMetricsPage.EndToEnd, modelName))
            : null;
}
