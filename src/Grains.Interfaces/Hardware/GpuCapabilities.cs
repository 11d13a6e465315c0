namespace GpuSharing.Grains.Interfaces.Hardware;

/// <summary>The partition modes a GPU supports and which combinations are valid.</summary>
[GenerateSerializer, Immutable, Alias("gpusharing.GpuCapabilities")]
public sealed record GpuCapabilities(IReadOnlyList<ComputeModeSupport> ComputeModes, IReadOnlyList<MemoryMode> MemoryModes, CapabilitySource Source)
{
    public static GpuCapabilities None { get; } = new([], [], CapabilitySource.Catalog);

    public bool Supports(ComputeMode compute, MemoryMode memory) =>
        MemoryModes.Contains(memory) && ComputeModes.Any(c => c.Mode == compute && c.MemoryModes.Contains(memory));
}
