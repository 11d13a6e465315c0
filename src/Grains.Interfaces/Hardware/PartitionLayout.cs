namespace GpuSharing.Grains.Interfaces.Hardware;

/// <summary>A compute mode together with the memory mode of its node.</summary>
[GenerateSerializer, Immutable, Alias("gpusharing.PartitionLayout")]
public sealed record PartitionLayout(ComputeMode ComputeMode, MemoryMode MemoryMode)
{
    public override string ToString() => $"{ComputeMode}/{MemoryMode}";
}
