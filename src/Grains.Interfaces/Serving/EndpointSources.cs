namespace GpuSharing.Grains.Interfaces.Serving;

/// <summary>Who runs a replica's server, as <see cref="ReplicaEndpoint.Source"/> names it.</summary>
public static class EndpointSources
{
    /// <summary>A SIMULATED inference server a node silo started.</summary>
    public const string Simulated = "simulated";

    /// <summary>A <c>vllm serve</c> child process a node silo started.</summary>
    public const string Vllm = "vllm";

    /// <summary>KServe, from a Ready InferenceService's status address.</summary>
    public const string KServe = "kserve";

    /// <summary>A server the deployment's spec declares.</summary>
    public const string Declared = "declared";

    /// <summary>Servers the node silos start take a request's <c>priority</c> (vLLM's priority scheduling; the simulator follows it).</summary>
    public static bool SchedulesByPriority(string source) => source is Simulated or Vllm;
}
