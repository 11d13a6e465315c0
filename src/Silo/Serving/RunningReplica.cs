namespace GpuSharing.Silo.Serving;

/// <summary>A replica's server as it runs: where it answers, and how to stop it.</summary>
public sealed class RunningReplica(ReplicaLaunch launch, Uri url, Func<ValueTask> stop) : IAsyncDisposable
{
    public ReplicaLaunch Launch { get; } = launch;

    public Uri Url { get; } = url;

    public ValueTask DisposeAsync() => stop();
}
