using GpuSharing.InferenceSimulator;

namespace GpuSharing.Silo.Serving;

/// <summary>
/// One replica this node should serve, and everything that decides how: a different <see cref="Identity"/> (the
/// deployment's generation, the place) means the running server is replaced.
/// </summary>
public sealed record ReplicaLaunch(string Deployment, int Replica, long Generation, SimulatedModel Model, Grains.Interfaces.Models.Priority Priority)
{
    public string Identity => $"{Deployment}#{Replica}@{Model.Partition}/g{Generation}";
}
