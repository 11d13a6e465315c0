using GpuSharing.Gateway.Configuration;
using GpuSharing.Grains.Interfaces.Fleet;
using GpuSharing.Grains.Interfaces.Serving;
using Microsoft.Extensions.Options;
using OpenTelemetry;

namespace GpuSharing.Gateway.Serving;

/// <summary>
/// Reads the endpoint directory and checks every replica (<c>GET {endpoint}/health</c>) once per refresh interval, so
/// that a replica becomes routable when it answers and stops receiving requests within
/// <c>UnhealthyAfter × EndpointRefreshInterval</c> (2 s by default) after it stops answering.
/// </summary>
public sealed partial class EndpointRefresher(
    IClusterClient cluster,
    ServingRoutes routes,
    IHttpClientFactory http,
    IOptions<ServingOptions> options,
    TimeProvider time,
    ILogger<EndpointRefresher> logger) : BackgroundService
{
    public const string HealthClient = "serving-health";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A round every few seconds: traced, it would fill a trace store with thousands of traces that say nothing.
        using var untraced = SuppressInstrumentationScope.Begin();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                routes.Update(await cluster.GetGrain<IEndpointDirectoryGrain>(Pools.Default).ListAsync(stoppingToken));
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Not connected yet (the client knows no grain types before it is), a silo down, storage down: keep
                // routing to what was known, keep checking it, and read the directory again next round. Nothing
                // here may stop the gateway.
                LogDirectoryUnavailable(logger, ex.Message);
            }

            try
            {
                await Task.WhenAll(routes.Targets.Select(t => CheckAsync(t, stoppingToken)));
                routes.Resize();
                await Task.Delay(options.Value.EndpointRefreshInterval, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task CheckAsync(ReplicaTarget target, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.HealthCheckTimeout);
        try
        {
            using var response = await http.CreateClient(HealthClient).GetAsync(new Uri(new Uri(target.Endpoint.Url), "/health"), timeout.Token);
            if (response.IsSuccessStatusCode)
            {
                target.Succeeded();
                return;
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // no answer in time: a failure like any other
        }

        target.Failed(options.Value.UnhealthyAfter);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the endpoint directory ({Error}); routing to the endpoints known before")]
    private static partial void LogDirectoryUnavailable(ILogger logger, string error);
}
