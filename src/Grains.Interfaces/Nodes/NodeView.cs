using GpuSharing.Grains.Interfaces.Gpus;
using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Interfaces.Nodes;

/// <summary>
/// A node as the control plane sees it. When <see cref="Reachable"/> is false its silo is down and every GPU shows
/// <see cref="GpuState.Unreachable"/> with the layout and reservations it had: nothing is freed or forgotten.
/// </summary>
[GenerateSerializer, Immutable, Alias("gpusharing.NodeView")]
public sealed record NodeView(
    string Name,
    bool Reachable,
    MemoryMode? MemoryMode,
    NodeRegistration? Registration,
    IReadOnlyList<GpuView> Gpus,
    PartitioningOperation? Operation);
