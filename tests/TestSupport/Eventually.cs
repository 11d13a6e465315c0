namespace GpuSharing.TestSupport;

/// <summary>
/// The one polling loop of the tests: reads until a condition holds or the time is up, and then fails with what it
/// last read. Reads that fail with a transient error (a 503 while silos come and go) are read again.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(50);

    /// <param name="read">One read of the state under test.</param>
    /// <param name="condition">What the test waits for.</param>
    /// <param name="timeout">How long it may take.</param>
    /// <param name="describe">What to say about the last read when the time is up.</param>
    /// <param name="transient">Errors of a read that mean "ask again" (none unless given).</param>
    public static async Task<T> UntilAsync<T>(
        Func<CancellationToken, Task<T>> read,
        Func<T, bool> condition,
        TimeSpan timeout,
        Func<T?, string> describe,
        Func<Exception, bool>? transient = null,
        TimeSpan? interval = null,
        CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        T? last = default;
        Exception? lastError = null;
        do
        {
            try
            {
                last = await read(cancellationToken);
                lastError = null;
                if (condition(last))
                {
                    return last;
                }
            }
            catch (Exception ex) when (transient?.Invoke(ex) == true && !cancellationToken.IsCancellationRequested)
            {
                lastError = ex;
            }

            await Task.Delay(interval ?? DefaultInterval, cancellationToken);
        }
        while (DateTime.UtcNow < deadline);

        throw new TimeoutException($"Not within {timeout.TotalSeconds:0.#} s: {describe(last)}{(lastError is null ? string.Empty : $" (last read failed: {lastError.Message})")}", lastError);
    }
}
