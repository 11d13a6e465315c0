namespace GpuSharing.Silo.Serving;

/// <summary>What starts and stops the server of a replica on this node (<c>GpuSharing:Node:Runtime</c>).</summary>
public interface IReplicaRuntime
{
    /// <summary><c>simulated</c> or <c>vllm</c>: reported with each endpoint.</summary>
    string Kind { get; }

    /// <summary>Starts the replica's server; its base URL once it listens.</summary>
    Task<RunningReplica> StartAsync(ReplicaLaunch launch, CancellationToken cancellationToken);
}
