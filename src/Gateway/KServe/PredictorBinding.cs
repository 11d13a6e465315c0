namespace GpuSharing.Gateway.KServe;

/// <summary>
/// How the predictor's pods are bound to the deployment's partitions: the nodes, the device-plugin resource (exclusive)
/// or the shared ResourceClaim (shared, DRA), the host devices and environment (shared, host-devices), and the vLLM
/// arguments that hold each replica to its share. <see cref="Gated"/>: the pods are born with the reservation gate and
/// get their node when it is lifted (autoscaled objects), instead of from the template.
/// </summary>
public sealed record PredictorBinding(
    IReadOnlyList<string> Nodes,
    string? ResourceName,
    int ResourceCount,
    string? ClaimName,
    IReadOnlyList<string> VllmArguments,
    IReadOnlyDictionary<string, string> Environment,
    bool Gated = false);
