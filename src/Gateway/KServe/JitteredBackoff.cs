namespace GpuSharing.Gateway.KServe;

/// <summary>
/// Exponential backoff with equal jitter (AWS's "equal jitter": half the current cap, plus a random part of the other
/// half), so that many watchers that lost the API server at once do not come back at once, and none retries at once.
/// </summary>
public sealed class JitteredBackoff(TimeSpan initial, TimeSpan maximum, TimeProvider time)
{
    private int _failures;

    public void Reset() => _failures = 0;

    public async Task DelayAsync(CancellationToken cancellationToken)
    {
        var cap = Math.Min(maximum.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(2, Math.Min(_failures, 16)));
        _failures++;
        var delay = TimeSpan.FromMilliseconds((cap / 2) + (Random.Shared.NextDouble() * cap / 2));
        await Task.Delay(delay, time, cancellationToken);
    }
}
