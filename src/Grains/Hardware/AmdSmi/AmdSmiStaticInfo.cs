using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>What <c>amd-smi static</c> (asic, bus, vram, partition) says about one logical GPU.</summary>
public sealed record AmdSmiStaticInfo(
    int Gpu,
    string? MarketName,
    string? DeviceId,
    int? ComputeUnits,
    string? TargetGraphicsVersion,
    string? Bdf,
    long? VramBytes,
    string? VramType,
    ComputeMode? ComputePartition,
    MemoryMode? MemoryPartition,
    int? PartitionId);
