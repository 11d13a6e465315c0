namespace GpuSharing.Grains.Interfaces.Hardware;

/// <summary>One compute mode a GPU offers: its profile index on the device (never hard-coded), the memory modes it works with, and how many partitions it makes.</summary>
[GenerateSerializer, Immutable, Alias("gpusharing.ComputeModeSupport")]
public sealed record ComputeModeSupport(ComputeMode Mode, int? ProfileIndex, IReadOnlyList<MemoryMode> MemoryModes, int Partitions);
