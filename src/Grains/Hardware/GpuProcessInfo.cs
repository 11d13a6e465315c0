namespace GpuSharing.Grains.Hardware;

/// <summary>A process with a context on a GPU. The name needs root to read; without it amd-smi says N/A (null here).</summary>
public sealed record GpuProcessInfo(int GpuIndex, int Pid, string? Name, long? VramBytes);
