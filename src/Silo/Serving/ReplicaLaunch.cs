using GpuSharing.InferenceSimulator;

namespace GpuSharing.Silo.Serving;

/// <summary>
/// One replica this node should serve, and everything that decides how: a different <see cref="Identity"/> (the
/// deployment's generation, the place) means the running server is replaced. The model figures time a simulated
/// server; the binding (device environment, vLLM arguments) runs a real one.
/// </summary>
public sealed record ReplicaLaunch(string Deployment, int Replica, long Generation, SimulatedModel Model, Grains.Interfaces.Models.Priority Priority, Grains.Interfaces.Models.ReplicaBinding? Binding = null)
{
    public string Identity => $"{Deployment}#{Replica}@{Model.Partition}/g{Generation}";
}
