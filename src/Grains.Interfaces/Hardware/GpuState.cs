namespace GpuSharing.Grains.Interfaces.Hardware;

/// <summary>
/// Where a GPU is in its life cycle. The reconfiguration states follow the order a repartition runs in:
/// <c>Draining → SettingMemory → ReloadingDriver → SettingCompute → Verifying → Ready</c>; a failure goes through
/// <see cref="Failed"/> and <see cref="RollingBack"/> back to <see cref="Ready"/>, or ends in <see cref="Degraded"/>
/// when the device state can no longer be trusted.
/// </summary>
public enum GpuState
{
    /// <summary>Verified against the device and accepting reservations.</summary>
    Ready,
    Draining,
    SettingMemory,
    ReloadingDriver,
    SettingCompute,
    Verifying,
    /// <summary>A step failed; the rollback starts next.</summary>
    Failed,
    RollingBack,
    /// <summary>The device state is uncertain (a timeout, a failed rollback, an out-of-band change under reservations). No new reservations until a repartition or verification succeeds.</summary>
    Degraded,
    /// <summary>The silo of the GPU's node is down. Reservations are kept; nothing new is placed and nothing is repartitioned.</summary>
    Unreachable,
    /// <summary>Discovered, but not a GPU family this control plane partitions (for example MI300A).</summary>
    Unsupported,
}
