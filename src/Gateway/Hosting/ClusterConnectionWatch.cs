namespace GpuSharing.Gateway.Hosting;

/// <summary>
/// Fails requests in flight when the gateway loses a connection to the cluster. A request whose grain call went out
/// through a silo that then died would otherwise wait for the grain call timeout: its answer can no longer come back.
/// Every request's cancellation token is linked to <see cref="Current"/>; when the number of connected silo gateways
/// drops, the token is cancelled (and a fresh one issued), and those requests end at once with 503 — safe to retry,
/// since every mutating route is idempotent.
/// </summary>
public sealed partial class ClusterConnectionWatch(ILogger<ClusterConnectionWatch> logger)
{
    private CancellationTokenSource _current = new();

    /// <summary>Cancelled when a connection to the cluster is lost.</summary>
    public CancellationToken Current => Volatile.Read(ref _current).Token;

    public void OnGatewayCountChanged(int connected, int previous)
    {
        if (connected >= previous)
        {
            return;
        }

        LogGatewayLost(logger, previous, connected);
        var lost = Interlocked.Exchange(ref _current, new CancellationTokenSource());
        lost.Cancel();
        lost.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connected silo gateways went from {Previous} to {Connected}: requests in flight are answered 503")]
    private static partial void LogGatewayLost(ILogger logger, int previous, int connected);
}
