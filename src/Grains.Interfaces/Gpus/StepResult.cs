using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Interfaces.Gpus;

/// <summary>How one GPU's part of a node-wide reconfiguration went.</summary>
[GenerateSerializer, Immutable, Alias("gpusharing.StepResult")]
public sealed record StepResult(bool Succeeded, DeviceError? Error, IReadOnlyList<Blocker> Blockers, GpuView View)
{
    public static StepResult Ok(GpuView view) => new(true, null, [], view);

    public static StepResult Fail(DeviceError error, GpuView view, IReadOnlyList<Blocker>? blockers = null) => new(false, error, blockers ?? [], view);
}
