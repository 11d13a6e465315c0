using GpuSharing.Gateway.Configuration;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace GpuSharing.Gateway.Security;

/// <summary>
/// Checks the addresses Kestrel actually bound, once it listens: the start-up check reads <c>urls</c>, but Kestrel can
/// be told to listen elsewhere too (<c>Kestrel:Endpoints:*:Url</c>, <c>ASPNETCORE_HTTP_PORTS</c>). Without a token, any
/// address beyond loopback stops the gateway. Until the check has passed, every request is answered 503, so nothing is
/// served in between.
/// </summary>
public sealed partial class ListenGuard(IServer server, IOptions<GatewayOptions> options, ILogger<ListenGuard> logger) : IHostedLifecycleService
{
    private volatile bool _verified;

    /// <summary>Whether the bound addresses were checked and found acceptable.</summary>
    public bool Verified => _verified;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var exposed = addresses.Where(a => !ListenAddresses.AllLoopback(a)).ToList();
        if (exposed.Count > 0 && string.IsNullOrEmpty(options.Value.BearerToken))
        {
            var message = $"The gateway listens on {string.Join(", ", exposed)}, beyond loopback, but GpuSharing:Gateway:BearerToken is not set; refusing to expose mutating routes and the dashboard without authentication.";
            LogExposed(logger, message);
            throw new InvalidOperationException(message);
        }

        _verified = true;
        return Task.CompletedTask;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Message}")]
    private static partial void LogExposed(ILogger logger, string message);
}
