using Orleans.Storage;

namespace GpuSharing.Grains.Storage;

/// <summary>
/// Calls an idempotent grain method again when it failed for a reason that passes: a stale ETag (the callee
/// restarted itself to reload what storage holds — after a storage outage that lost a write's answer, say), a timeout,
/// or a message that could not reach an activation on a silo that just died (until membership declares it dead and
/// the grain is activated elsewhere). A reconfiguration must not end <c>Degraded</c> because a partition's
/// bookkeeping met such a hiccup: the device itself was verified. About 24 s of retries in all.
/// </summary>
internal static class TransientCallRetry
{
    private static readonly TimeSpan[] Delays = [TimeSpan.Zero, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(8)];

    public static async Task<T> RunAsync<T>(Func<Task<T>> call, TimeProvider time, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception ex) when (attempt < Delays.Length - 1 && ex is InconsistentStateException or TimeoutException or OrleansException)
            {
                await Task.Delay(Delays[attempt + 1], time, cancellationToken);
            }
        }
    }
}
