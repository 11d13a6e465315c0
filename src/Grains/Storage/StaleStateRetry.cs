using Orleans.Storage;

namespace GpuSharing.Grains.Storage;

/// <summary>
/// Calls an idempotent grain method again when the callee's state write failed for a reason that passes: a stale
/// ETag (the callee restarted itself to reload what storage holds — after a storage outage that lost a write's
/// answer, say) or a timeout. A reconfiguration must not end <c>Degraded</c> because a partition's bookkeeping
/// write met a storage hiccup; the device itself was verified.
/// </summary>
internal static class StaleStateRetry
{
    private static readonly TimeSpan[] Delays = [TimeSpan.Zero, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8)];

    public static async Task<T> RunAsync<T>(Func<Task<T>> call, TimeProvider time, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception ex) when (attempt < Delays.Length - 1 && ex is InconsistentStateException or TimeoutException)
            {
                await Task.Delay(Delays[attempt + 1], time, cancellationToken);
            }
        }
    }
}
