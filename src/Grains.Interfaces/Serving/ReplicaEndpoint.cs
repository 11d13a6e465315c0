using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Grains.Interfaces.Serving;

/// <summary>
/// Where one replica of a deployment serves the OpenAI API: its base URL (<c>http://host:port</c>, no path), the model
/// name the server knows it by, and what admission needs (the deployment's priority, the replica's sequence limit).
/// </summary>
/// <param name="Source">Who runs it: <c>simulated</c>, <c>vllm</c> (a runtime on a node silo), <c>kserve</c> or <c>declared</c>.</param>
[GenerateSerializer, Immutable, Alias("gpusharing.ReplicaEndpoint")]
public sealed record ReplicaEndpoint(
    string Deployment,
    int Replica,
    string Node,
    string Url,
    string ServedModel,
    Priority Priority,
    int MaxNumSeqs,
    string Source);
