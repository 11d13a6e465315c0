namespace GpuSharing.Gateway.Serving;

/// <summary>
/// One request forwarded to a replica (<see cref="ReplicaTarget.Carry"/>): outstanding until disposed; marked
/// <see cref="NotCountedByServer"/> when the server refused it or failed before its first token, so that traffic
/// estimates do not wait for a count the server never makes.
/// </summary>
public sealed class ReplicaForwarding(Action done, Action uncounted) : IDisposable
{
    private int _disposed;
    private int _uncounted;

    public void NotCountedByServer()
    {
        if (Interlocked.Exchange(ref _uncounted, 1) == 0)
        {
            uncounted();
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            done();
        }
    }
}
