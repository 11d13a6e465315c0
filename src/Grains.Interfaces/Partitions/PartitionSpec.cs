using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Interfaces.Partitions;

/// <summary>The shape a GPU gives one of its partitions after a verified read of the device.</summary>
[GenerateSerializer, Immutable, Alias("gpusharing.PartitionSpec")]
public sealed record PartitionSpec(long LayoutVersion, PartitionLayout Layout, long VramBytes, int ComputeUnits, DeviceBinding Binding);
