namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>A process row of the default view.</summary>
public sealed record AmdSmiDefaultViewProcess(int Gpu, int Pid, string Name, long? VramBytes);
