using System.Threading.Channels;

namespace GpuSharing.Gateway.KServe;

/// <summary>
/// A work queue of object keys in the manner of client-go's: a key is queued at most once, a key being reconciled
/// that changes again is queued once more when its reconcile ends (never two reconciles of one key at a time), and
/// keys that wait come back after a delay that backs off.
/// </summary>
public sealed class ReconcileQueue(TimeProvider time)
{
    private readonly Channel<string> _channel = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleWriter = false, SingleReader = false });
    private readonly HashSet<string> _queued = new(StringComparer.Ordinal);
    private readonly HashSet<string> _processing = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _waits = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Keys queued or being reconciled.</summary>
    public int Pending
    {
        get
        {
            lock (_lock)
            {
                return _queued.Count + _processing.Count;
            }
        }
    }

    public void Add(string key)
    {
        lock (_lock)
        {
            if (_processing.Contains(key))
            {
                _dirty.Add(key);
                return;
            }

            if (!_queued.Add(key))
            {
                return;
            }
        }

        _channel.Writer.TryWrite(key);
    }

    /// <summary>Queues the key after <paramref name="delay"/> × 2^(times it waited in a row, at most 3).</summary>
    public void AddAfterBackoff(string key, TimeSpan delay, CancellationToken cancellationToken)
    {
        int waits;
        lock (_lock)
        {
            waits = _waits.TryGetValue(key, out var n) ? n : 0;
            _waits[key] = waits + 1;
        }

        _ = DelayThenAddAsync(key, delay * (1 << Math.Min(waits, 3)), cancellationToken);
    }

    /// <summary>It converged: its next wait starts from the shortest delay again.</summary>
    public void Forget(string key)
    {
        lock (_lock)
        {
            _waits.Remove(key);
        }
    }

    public async ValueTask<string> TakeAsync(CancellationToken cancellationToken)
    {
        var key = await _channel.Reader.ReadAsync(cancellationToken);
        lock (_lock)
        {
            _queued.Remove(key);
            _processing.Add(key);
        }

        return key;
    }

    public void Done(string key)
    {
        bool again;
        lock (_lock)
        {
            _processing.Remove(key);
            again = _dirty.Remove(key);
        }

        if (again)
        {
            Add(key);
        }
    }

    private async Task DelayThenAddAsync(string key, TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, time, cancellationToken);
            Add(key);
        }
        catch (OperationCanceledException)
        {
            // the watcher stopped leading; the next leader lists everything again
        }
    }
}
