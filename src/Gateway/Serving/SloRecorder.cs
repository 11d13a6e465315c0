using System.Collections.Concurrent;
using GpuSharing.Grains.Interfaces.Slo;

namespace GpuSharing.Gateway.Serving;

/// <summary>
/// Samples of the request path, held per deployment until <see cref="SloFlusher"/> sends them in one batch: recording
/// is a queue append, never a grain call. A deployment's queue keeps at most <see cref="MaxPending"/> samples (the
/// oldest go first) while the cluster cannot take them.
/// </summary>
public sealed class SloRecorder
{
    public const int MaxPending = 10_000;

    private readonly ConcurrentDictionary<string, ConcurrentQueue<SloSample>> _pending = new(StringComparer.Ordinal);

    public void Record(string deployment, SloSample sample)
    {
        var queue = _pending.GetOrAdd(deployment, _ => new ConcurrentQueue<SloSample>());
        queue.Enqueue(sample);
        while (queue.Count > MaxPending && queue.TryDequeue(out _))
        {
        }
    }

    /// <summary>Takes up to <paramref name="max"/> samples of each deployment that has some.</summary>
    public IReadOnlyList<(string Deployment, IReadOnlyList<SloSample> Samples)> Drain(int max)
    {
        var batches = new List<(string, IReadOnlyList<SloSample>)>();
        foreach (var (deployment, queue) in _pending)
        {
            var batch = new List<SloSample>();
            while (batch.Count < max && queue.TryDequeue(out var sample))
            {
                batch.Add(sample);
            }

            if (batch.Count > 0)
            {
                batches.Add((deployment, batch));
            }
        }

        return batches;
    }

    /// <summary>
    /// Puts back a batch the cluster did not take. Behind what came since is as good as in front: each sample carries
    /// its own time and the ledger files it by minute.
    /// </summary>
    public void Return(string deployment, IReadOnlyList<SloSample> samples)
    {
        foreach (var sample in samples)
        {
            Record(deployment, sample);
        }
    }
}
