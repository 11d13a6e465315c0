using GpuSharing.Grains.Interfaces.Hardware;
using Orleans.Concurrency;

namespace GpuSharing.Grains.Interfaces.Gpus;

/// <summary>
/// One physical GPU, key <c>{node}/{gpuIndex}</c>, always activated on the silo of its node (the only place its
/// device is reachable). It owns the GPU's compute mode, its partitions and the reconfiguration state machine, and
/// it reports every change to its <see cref="Nodes.INodeGrain"/>.
/// </summary>
[Alias("gpusharing.IGpuGrain")]
public interface IGpuGrain : IGrainWithStringKey
{
    /// <summary>The node agent found this GPU on the device: reconcile the stored state with it.</summary>
    [Alias("Attach")]
    Task<GpuView> AttachAsync(GpuDeviceSnapshot device, CancellationToken cancellationToken = default);

    [Alias("Get"), AlwaysInterleave]
    Task<GpuView> GetAsync();

    /// <summary>
    /// The GPU with every partition read from its grain now. The partition grains hold the truth about reservations;
    /// the view of <see cref="GetAsync"/> and the node's copy are reported one-way and may lag behind them.
    /// </summary>
    [Alias("GetLive"), AlwaysInterleave]
    Task<GpuView> GetLiveAsync(CancellationToken cancellationToken = default);

    /// <summary>Starts a compute-mode change of this GPU within the node's current memory mode.</summary>
    [Alias("StartComputeChange")]
    Task<PartitioningDecision> StartComputeChangeAsync(string operationId, PartitioningRequest request, CancellationToken cancellationToken = default);

    /// <summary>Node-wide operation, step 1: stop reservations; refused with the blockers when deployments or processes hold the GPU.</summary>
    [Alias("BeginNodeOperation"), ResponseTimeout("00:02:00")]
    Task<StepResult> BeginNodeOperationAsync(PartitioningOperation operation, CancellationToken cancellationToken = default);

    /// <summary>Node-wide operation: record the step the node is in.</summary>
    [Alias("EnterStep")]
    Task<GpuView> EnterStepAsync(string operationId, GpuState step, string detail, CancellationToken cancellationToken = default);

    /// <summary>Node-wide operation, step 2 (issued through one GPU of the hive): set the memory mode and reload the driver.</summary>
    [Alias("ApplyMemoryMode"), ResponseTimeout("00:15:00")]
    Task<StepResult> ApplyMemoryModeAsync(string operationId, MemoryMode memoryMode, CancellationToken cancellationToken = default);

    /// <summary>
    /// Node-wide operation, step 3: re-read the device, move the compute mode to <paramref name="computeMode"/> (or to
    /// a mode valid with the new memory mode when null), verify, and end the operation on this GPU.
    /// </summary>
    [Alias("CompleteNodeOperation"), ResponseTimeout("00:10:00")]
    Task<StepResult> CompleteNodeOperationAsync(string operationId, MemoryMode memoryMode, ComputeMode? computeMode, OperationStatus statusWhenVerified, DeviceError? failure = null, CancellationToken cancellationToken = default);

    /// <summary>Node-wide operation never started (another GPU refused it): lift the freeze, nothing was changed.</summary>
    [Alias("ReleaseNodeOperation")]
    Task<GpuView> ReleaseNodeOperationAsync(string operationId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Re-reads the device and returns the layout it shows (null when it shows no compute or memory mode), without
    /// changing anything: whether a failed step changed the device at all.
    /// </summary>
    [Alias("ReadLayout"), ResponseTimeout("00:05:00")]
    Task<PartitionLayout?> ReadLayoutAsync(CancellationToken cancellationToken = default);

    /// <summary>Node-wide operation failed beyond repair: keep what is known, mark the GPU Degraded.</summary>
    [Alias("AbandonNodeOperation")]
    Task<GpuView> AbandonNodeOperationAsync(string operationId, DeviceError error, CancellationToken cancellationToken = default);

    /// <summary>A partition's reservations changed; refresh the view and report it.</summary>
    [Alias("PartitionChanged"), OneWay]
    Task PartitionChangedAsync(int partitionIndex);
}
