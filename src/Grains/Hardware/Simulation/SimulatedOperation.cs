namespace GpuSharing.Grains.Hardware.Simulation;

/// <summary>The device operations a fault can be injected into.</summary>
public enum SimulatedOperation
{
    Read,
    SetCompute,
    SetMemory,
    Reload,
    ListProcesses,
}
