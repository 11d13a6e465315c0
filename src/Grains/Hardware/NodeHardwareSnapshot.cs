using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Hardware;

/// <summary>One read of a node's GPUs and of the tool that read them.</summary>
/// <param name="Platform"><c>Linux Baremetal</c>, <c>Linux Guest</c> or <c>unknown</c> when the tool does not say (before ROCm 7.0).</param>
/// <param name="CanSetPartitions">False in SR-IOV guests: they can read partitions but never set them.</param>
/// <param name="PendingMemoryMode">A memory mode that was set but waits for a driver reload.</param>
public sealed record NodeHardwareSnapshot(
    string? ToolVersion,
    string? RocmVersion,
    string Platform,
    bool CanSetPartitions,
    MemoryMode? MemoryMode,
    MemoryMode? PendingMemoryMode,
    IReadOnlyList<GpuDeviceSnapshot> Gpus,
    IReadOnlyList<string> Warnings)
{
    public GpuDeviceSnapshot? Gpu(int index) => Gpus.FirstOrDefault(g => g.Index == index);
}
