using GpuSharing.Grains.Interfaces.Serving;
using GpuSharing.InferenceSimulator;

namespace GpuSharing.Silo.Serving;

/// <summary>
/// Serves each replica with a SIMULATED inference server inside this silo's process, on a loopback port of its own.
/// Replicas on one partition share a <see cref="PartitionLoad"/>, so they slow each other down as co-located
/// replicas do.
/// </summary>
public sealed class SimulatedReplicaRuntime(TimeProvider time) : IReplicaRuntime
{
    private readonly PartitionLoad _load = new();

    public string Kind => EndpointSources.Simulated;

    public async Task<RunningReplica> StartAsync(ReplicaLaunch launch, CancellationToken cancellationToken)
    {
        var server = await SimulatedInferenceServer.StartAsync(launch.Model, _load, time, cancellationToken: cancellationToken);
        return new RunningReplica(launch, server.Url, server.DisposeAsync);
    }
}
