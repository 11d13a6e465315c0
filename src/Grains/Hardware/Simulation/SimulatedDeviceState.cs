using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Hardware.Simulation;

/// <summary>What the simulated device remembers across silo restarts (its state file).</summary>
public sealed class SimulatedDeviceState
{
    public MemoryMode MemoryMode { get; set; } = MemoryMode.NPS1;

    public MemoryMode? PendingMemoryMode { get; set; }

    public List<string> Families { get; set; } = [];

    public List<ComputeMode> ComputeModes { get; set; } = [];
}
