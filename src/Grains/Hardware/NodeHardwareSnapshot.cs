using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Hardware;

/// <summary>One read of a node's GPUs and of the tool that read them.</summary>
/// <param name="Platform"><c>Linux Baremetal</c>, <c>Linux Guest</c> or <c>unknown</c> when the tool does not say (before ROCm 7.0).</param>
/// <param name="CanSetPartitions">False where partitions can be read but not set: in SR-IOV guests, and where amd-smi runs without root.</param>
/// <param name="PendingMemoryMode">A memory mode that was set but waits for a driver reload.</param>
public sealed record NodeHardwareSnapshot(
    string? ToolVersion,
    string? RocmVersion,
    string Platform,
    bool CanSetPartitions,
    MemoryMode? MemoryMode,
    MemoryMode? PendingMemoryMode,
    IReadOnlyList<GpuDeviceSnapshot> Gpus,
    IReadOnlyList<string> Warnings,
    string? CannotSetPartitionsReason = null)
{
    public GpuDeviceSnapshot? Gpu(int index) => Gpus.FirstOrDefault(g => g.Index == index);
}
