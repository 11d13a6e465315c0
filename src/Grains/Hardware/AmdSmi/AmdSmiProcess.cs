namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>A process on a logical GPU as <c>amd-smi process</c> lists it. Without root the name is N/A (null).</summary>
public sealed record AmdSmiProcess(int Gpu, int Pid, string? Name, long? VramBytes, long? GttBytes, long? CpuBytes, long? MemUsageBytes, int? CuOccupancy);
