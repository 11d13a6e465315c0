namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>A GPU of the default view (<c>amd-smi</c> with no arguments, ROCm 7.0+).</summary>
public sealed record AmdSmiDefaultViewGpu(int Gpu, string Bdf, string Name, int? HipId, int? OamId, string PartitionMode, long? VramUsedBytes, long? VramTotalBytes);
