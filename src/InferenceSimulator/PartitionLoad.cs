using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace GpuSharing.InferenceSimulator;

/// <summary>
/// The running sequences of every simulated replica in this process, by partition: what co-located replicas see of
/// each other. Thread-safe; one per process (node silo, benchmark).
/// </summary>
public sealed class PartitionLoad
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<SimulatedModel, StrongBox<int>>> _partitions = new(StringComparer.Ordinal);

    /// <summary>Counts one running sequence of <paramref name="model"/> until the result is disposed.</summary>
    public IDisposable Run(SimulatedModel model)
    {
        var counter = _partitions.GetOrAdd(model.Partition, _ => new()).GetOrAdd(model, _ => new StrongBox<int>());
        Interlocked.Increment(ref counter.Value);
        return new Release(counter);
    }

    /// <summary>Running sequences per replica on <paramref name="partition"/>.</summary>
    public IReadOnlyList<(SimulatedModel Model, int Running)> On(string partition) =>
        _partitions.TryGetValue(partition, out var models)
            ? [.. models.Select(m => (m.Key, Volatile.Read(ref m.Value.Value)))]
            : [];

    public int Running(SimulatedModel model) =>
        _partitions.TryGetValue(model.Partition, out var models) && models.TryGetValue(model, out var counter) ? Volatile.Read(ref counter.Value) : 0;

    private sealed class Release(StrongBox<int> counter) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                Interlocked.Decrement(ref counter.Value);
            }
        }
    }
}
