using Orleans.Storage;

namespace GpuSharing.Grains.Storage;

/// <summary>
/// Writes grain state so that a write refused for a stale ETag ends the activation: storage changed under it (another
/// activation wrote during a membership change, or storage lost what it had acknowledged and went back), so what it
/// holds in memory can no longer be written. The next call activates afresh and reads what storage holds. Orleans does
/// this when the exception escapes a grain call; timers and work that outlives a call (a repartition) need it here,
/// or the activation would fail every write until the silo restarts.
/// </summary>
internal static class GrainStateWrites
{
    public static async Task WriteOrRestartAsync<T>(this IPersistentState<T> state, IGrainContext grain, CancellationToken cancellationToken)
    {
        try
        {
            await state.WriteStateAsync(cancellationToken);
        }
        catch (InconsistentStateException)
        {
            Restart(grain);
            throw;
        }
    }

    public static async Task ClearOrRestartAsync<T>(this IPersistentState<T> state, IGrainContext grain, CancellationToken cancellationToken)
    {
        try
        {
            await state.ClearStateAsync(cancellationToken);
        }
        catch (InconsistentStateException)
        {
            Restart(grain);
            throw;
        }
    }

    private static void Restart(IGrainContext grain) =>
        grain.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationError, "Grain state changed in storage under this activation (stale ETag); it restarts from what storage holds."), CancellationToken.None);
}
