using GpuSharing.Gateway.Configuration;
using Microsoft.Extensions.Options;
using OpenTelemetry;

namespace GpuSharing.Gateway.Serving;

/// <summary>
/// Scrapes every routable replica's <c>/metrics</c> each <c>BypassScrapeInterval</c> and records the requests that
/// reached it without the gateway in its deployment's SLO (<see cref="BypassTraffic"/>). With several gateway
/// replicas each one counts the others' traffic as bypassing: run it on one (<c>BypassScrapeInterval=0</c> elsewhere).
/// </summary>
public sealed partial class BypassScraper(
    ServingRoutes routes,
    IHttpClientFactory http,
    SloRecorder recorder,
    IOptions<ServingOptions> options,
    TimeProvider time,
    ILogger<BypassScraper> logger) : BackgroundService
{
    private readonly Dictionary<(string Url, string Model), (BypassSnapshot Snapshot, long Sent, long Uncounted, double Carry)> _last = [];
    private long _rounds;

    /// <summary>Rounds of scrapes finished (every routable replica scraped once per round).</summary>
    public long Rounds => Interlocked.Read(ref _rounds);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A round every few seconds: traced, it would fill a trace store with thousands of traces that say nothing.
        using var untraced = SuppressInstrumentationScope.Begin();
        var interval = options.Value.BypassScrapeInterval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, stoppingToken);
                var targets = routes.Targets.Where(t => t.Healthy).ToList();
                await Task.WhenAll(targets.Select(t => ScrapeAsync(t, stoppingToken)));
                foreach (var gone in _last.Keys.Where(k => !targets.Any(t => (t.Endpoint.Url, t.Endpoint.ServedModel) == k)).ToList())
                {
                    _last.Remove(gone);
                }

                Interlocked.Increment(ref _rounds);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task ScrapeAsync(ReplicaTarget target, CancellationToken cancellationToken)
    {
        string page;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(options.Value.HealthCheckTimeout);
            try
            {
                page = await http.CreateClient(EndpointRefresher.HealthClient).GetStringAsync($"{target.Endpoint.Url}/metrics", timeout.Token);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                LogScrapeFailed(logger, target.Endpoint.Url, ex.Message);
                return;
            }
        }

        if (BypassSnapshot.From(page, target.Endpoint.ServedModel) is not { } now)
        {
            return; // a server without vLLM's histograms: nothing to learn about traffic past the gateway
        }

        // Read after the page: every request of ours the page counted was sent before, so it is in Sent.
        var key = (target.Endpoint.Url, target.Endpoint.ServedModel);
        var (sent, uncounted) = (target.Sent, target.Uncounted);
        lock (_last)
        {
            if (_last.TryGetValue(key, out var before))
            {
                // A target made anew (the endpoint re-registered) counts from zero again.
                var delta = (sent >= before.Sent ? sent - before.Sent : sent) - (uncounted >= before.Uncounted ? uncounted - before.Uncounted : uncounted);
                var (samples, carry) = BypassTraffic.Estimate(before.Snapshot, now, delta, before.Carry, time.GetUtcNow());
                foreach (var sample in samples)
                {
                    recorder.Record(target.Endpoint.Deployment, sample);
                }

                _last[key] = (now, sent, uncounted, carry);
            }
            else
            {
                _last[key] = (now, sent, uncounted, 0); // the first scrape is the baseline: what came before is not counted
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not scrape {Url}/metrics: {Error}")]
    private static partial void LogScrapeFailed(ILogger logger, string url, string error);
}
