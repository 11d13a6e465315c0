namespace GpuSharing.Gateway.KServe;

/// <summary>
/// Exponential backoff with full jitter (AWS's "full jitter": a random delay up to the current cap), so that many
/// watchers that lost the API server at once do not come back at once.
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
