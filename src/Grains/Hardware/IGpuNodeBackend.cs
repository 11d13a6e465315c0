using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Hardware;

/// <summary>
/// The GPUs of one node as a device: read them, change their partition modes. There is one per node silo:
/// <see cref="AmdSmi.AmdSmiBackend"/> drives the real <c>amd-smi</c> executable; <see cref="Simulation.SimulatedGpuNode"/>
/// models the same rules in process. Every failure is a <see cref="GpuDeviceException"/> with a typed
/// <see cref="DeviceError"/>; a method that returns has done what it says, but callers still re-read the device
/// before they report success.
/// </summary>
public interface IGpuNodeBackend
{
    /// <summary><c>simulated</c> or <c>amd-smi</c>.</summary>
    string Kind { get; }

    /// <summary>Reads every physical GPU of the node with its modes, partitions and capabilities.</summary>
    Task<NodeHardwareSnapshot> ReadNodeAsync(CancellationToken cancellationToken);

    /// <summary>Processes that hold the GPU (any of its partitions).</summary>
    Task<IReadOnlyList<GpuProcessInfo>> ListProcessesAsync(int gpuIndex, CancellationToken cancellationToken);

    /// <summary>Sets the compute mode of one physical GPU.</summary>
    Task SetComputeModeAsync(int gpuIndex, ComputeMode mode, CancellationToken cancellationToken);

    /// <summary>
    /// Sets the memory mode of the whole hive. Returns whether the driver must still be reloaded for it to take
    /// effect (ROCm 7.0 and later), in which case the caller calls <see cref="ReloadDriverAsync"/>.
    /// </summary>
    Task<bool> SetMemoryModeAsync(MemoryMode mode, CancellationToken cancellationToken);

    /// <summary>Reloads the amdgpu driver: every GPU of the node is reset and enumerated again.</summary>
    Task ReloadDriverAsync(CancellationToken cancellationToken);
}
