using GpuSharing.Grains.Interfaces.Serving;

namespace GpuSharing.Gateway.Serving;

/// <summary>One replica endpoint as the gateway routes to it: whether it answers, and how many requests it carries now.</summary>
public sealed class ReplicaTarget(ReplicaEndpoint endpoint)
{
    private int _outstanding;
    private long _completed;
    private int _failures;
    private volatile bool _healthy;

    public ReplicaEndpoint Endpoint { get; } = endpoint;

    /// <summary>Routable: its last health check answered (a new endpoint is not, until it has).</summary>
    public bool Healthy => _healthy;

    public int Outstanding => Volatile.Read(ref _outstanding);

    /// <summary>The server is one a node silo started (vLLM with priority scheduling, or the simulator): it takes a <c>priority</c>.</summary>
    public bool SchedulesByPriority => Endpoint.Source is "vllm" or "simulated";

    /// <summary>Requests the gateway has forwarded to this replica and seen finish (to tell them from traffic that bypasses it).</summary>
    public long Completed => Interlocked.Read(ref _completed);

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

    public IDisposable Carry()
    {
        Interlocked.Increment(ref _outstanding);
        return new Done(this);
    }

    private sealed class Done(ReplicaTarget target) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref target._outstanding);
                Interlocked.Increment(ref target._completed);
            }
        }
    }
}
