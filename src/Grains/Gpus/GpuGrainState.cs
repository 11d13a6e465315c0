using GpuSharing.Grains.Interfaces.Gpus;
using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Gpus;

/// <summary>
/// What a GPU grain stores: the last verified read of its device (identity, modes, partitions, capabilities), its
/// state and its current or latest reconfiguration.
/// </summary>
[GenerateSerializer, Alias("gpusharing.GpuGrainState")]
public sealed class GpuGrainState
{
    /// <summary>The last read of the device that was verified; null until the node agent attaches the GPU.</summary>
    [Id(0)]
    public GpuDeviceSnapshot? Device { get; set; }

    [Id(1)]
    public GpuState State { get; set; } = GpuState.Ready;

    [Id(2)]
    public string? StateReason { get; set; }

    [Id(3)]
    public PartitioningOperation? Operation { get; set; }

    /// <summary>Increases with every verified change of the partition layout.</summary>
    [Id(4)]
    public long LayoutVersion { get; set; }

    /// <summary>Increases with every change, so that the node can drop reports that arrive out of order.</summary>
    [Id(5)]
    public long Version { get; set; }

    [Id(6)]
    public DateTimeOffset? VerifiedAt { get; set; }

    /// <summary>The operation this GPU last took part in before the current one (restored when a node-wide operation never starts).</summary>
    [Id(7)]
    public PartitioningOperation? PreviousOperation { get; set; }
}
