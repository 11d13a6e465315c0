using GpuSharing.Grains.Interfaces.Serving;

namespace GpuSharing.Gateway.Serving;

/// <summary>One replica endpoint as the gateway routes to it: whether it answers, and how many requests it carries now.</summary>
public sealed class ReplicaTarget(ReplicaEndpoint endpoint)
{
    private volatile ReplicaEndpoint _endpoint = endpoint;
    private int _outstanding;
    private long _sent;
    private long _uncounted;
    private int _failures;
    private volatile bool _healthy;

    public ReplicaEndpoint Endpoint => _endpoint;

    /// <summary>Routable: its last health check answered (a new endpoint is not, until it has).</summary>
    public bool Healthy => _healthy;

    public int Outstanding => Volatile.Read(ref _outstanding);

    /// <summary>The server is one a node silo started (vLLM with priority scheduling, or the simulator): it takes a <c>priority</c>.</summary>
    public bool SchedulesByPriority => EndpointSources.SchedulesByPriority(Endpoint.Source);

    /// <summary>
    /// Requests the gateway has sent to this replica, counted when sent: the server counts a request at its first
    /// token, always later, so this is never behind the server's count of the gateway's own traffic, and what the
    /// server counted beyond it bypassed the gateway.
    /// </summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Of <see cref="Sent"/>, those the server cannot have counted: refused, or failed before their first token.</summary>
    public long Uncounted => Interlocked.Read(ref _uncounted);

    /// <summary>
    /// The same replica at the same URL, reported with other details (its class, its sequence limit): it stays this
    /// target, so its health, the requests it carries and the count of those sent to it carry on — a count started
    /// afresh would make the requests sent before look, to the bypass scraper, like requests that passed the gateway by.
    /// </summary>
    public void Refresh(ReplicaEndpoint endpoint) => _endpoint = endpoint;

    public void Succeeded()
    {
        Volatile.Write(ref _failures, 0);
        _healthy = true;
    }

    /// <summary>A failed check or proxy attempt; <paramref name="threshold"/> in a row make the replica unroutable.</summary>
    public void Failed(int threshold)
    {
        if (Interlocked.Increment(ref _failures) >= threshold)
        {
            _healthy = false;
        }
    }

    /// <summary>A request on its way to this replica: outstanding until disposed.</summary>
    public ReplicaForwarding Carry()
    {
        Interlocked.Increment(ref _outstanding);
        Interlocked.Increment(ref _sent);
        return new ReplicaForwarding(() => Interlocked.Decrement(ref _outstanding), () => Interlocked.Increment(ref _uncounted));
    }
}
