using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Interfaces.Models;

/// <summary>A replica with a place decided, waiting for its GPU to be repartitioned (operation <see cref="OperationId"/>).</summary>
[GenerateSerializer, Immutable, Alias("gpusharing.PendingReplica")]
public sealed record PendingReplica(int Replica, string Node, int Gpu, PartitionLayout Target, string? OperationId, string Reason);
