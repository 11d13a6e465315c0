namespace GpuSharing.Grains.Interfaces.Nodes;

/// <summary>What a node silo's agent tells the control plane when it starts: who it is, how it reaches its GPUs, how many it found.</summary>
[GenerateSerializer, Immutable, Alias("gpusharing.NodeRegistration")]
public sealed record NodeRegistration(
    string Node,
    string Backend,
    string? ToolVersion,
    string? RocmVersion,
    string Platform,
    bool CanSetPartitions,
    string Silo,
    IReadOnlyList<int> Gpus,
    DateTimeOffset StartedAt,
    string? CannotSetPartitionsReason = null);
