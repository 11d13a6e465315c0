using System.Diagnostics;
using System.Diagnostics.Metrics;
using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Gateway.Serving;

/// <summary>
/// The request path's metrics (meter <c>GpuSharing.Serving</c>), labelled by deployment (namespace, name) and class
/// — bounded by the deployments, never per request: requests by outcome, time to first token, time per output token
/// and end to end as the caller saw them, and the requests running and queued in admission now.
/// </summary>
public sealed class ServingMetrics
{
    public const string MeterName = "GpuSharing.Serving";

    private static readonly double[] LatencyBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 40, 80];
    private static readonly double[] TokenBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2.5];

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Histogram<double> _timePerOutputToken;
    private readonly Histogram<double> _endToEnd;

    public ServingMetrics(IMeterFactory meters, ServingRoutes routes)
    {
        var meter = meters.Create(MeterName);
        _requests = meter.CreateCounter<long>("aim_model_requests", description: "OpenAI requests by deployment, class and outcome (served, failed, shed, deadline_exceeded, unroutable, rejected: the backend's 4xx).");
        _timeToFirstToken = meter.CreateHistogram("aim_model_time_to_first_token", "s", "Time to first token from arrival (queueing included), as the caller saw it.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _timePerOutputToken = meter.CreateHistogram("aim_model_time_per_output_token", "s", "Time per output token of streamed answers with two tokens or more.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = TokenBuckets });
        _endToEnd = meter.CreateHistogram("aim_model_request_latency", "s", "Request latency end to end, as the caller saw it.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        meter.CreateObservableGauge("aim_model_requests_running", () => Load(routes, waiting: false), description: "Requests holding an admission slot now.");
        meter.CreateObservableGauge("aim_model_requests_queued", () => Load(routes, waiting: true), description: "Requests waiting in admission now.");
    }

    public void Outcome(string deployment, Priority priority, string outcome) =>
        _requests.Add(1, Tags(deployment, priority, ("outcome", outcome)));

    public void Served(string deployment, Priority priority, double ttftSeconds, double? tpotSeconds, double endToEndSeconds)
    {
        var tags = Tags(deployment, priority);
        _timeToFirstToken.Record(ttftSeconds, tags);
        _endToEnd.Record(endToEndSeconds, tags);
        if (tpotSeconds is { } tpot)
        {
            _timePerOutputToken.Record(tpot, tags);
        }
    }

    private static IEnumerable<Measurement<long>> Load(ServingRoutes routes, bool waiting) =>
        routes.All.SelectMany(route => WireNames.Priorities.Select(p =>
        {
            var (running, queued) = route.Admission.Load(p.Value);
            return new Measurement<long>(waiting ? queued : running, Tags(route.Deployment, p.Value));
        }));

    private static TagList Tags(string deployment, Priority priority, (string Key, string Value)? extra = null)
    {
        var slash = deployment.IndexOf('/', StringComparison.Ordinal);
        var tags = new TagList
        {
            { "namespace", slash < 0 ? string.Empty : deployment[..slash] },
            { "name", slash < 0 ? deployment : deployment[(slash + 1)..] },
            { "priority", WireNames.Of(priority) },
        };
        if (extra is { } tag)
        {
            tags.Add(tag.Key, tag.Value);
        }

        return tags;
    }
}
