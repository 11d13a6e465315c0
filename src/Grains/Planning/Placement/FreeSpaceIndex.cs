using System.Numerics;

namespace GpuSharing.Grains.Planning.Placement;

/// <summary>
/// Partitions by free bytes, for best-fit queries in O(buckets/64 + hits): keys live in 256 MiB buckets (an ordered
/// set each, so ties break by key and results are deterministic) and a bitmap finds the next non-empty bucket.
/// </summary>
internal sealed class FreeSpaceIndex(long maxBytes)
{
    private const int Shift = 28; // 256 MiB
    private readonly SortedSet<int>?[] _buckets = new SortedSet<int>?[(maxBytes >> Shift) + 2];
    private readonly ulong[] _nonEmpty = new ulong[((maxBytes >> Shift) + 2 + 63) / 64];

    public void Add(int key, long free)
    {
        var bucket = Bucket(free);
        (_buckets[bucket] ??= []).Add(key);
        _nonEmpty[bucket >> 6] |= 1UL << (bucket & 63);
    }

    public void Remove(int key, long free)
    {
        var bucket = Bucket(free);
        if (_buckets[bucket] is { } set && set.Remove(key) && set.Count == 0)
        {
            _nonEmpty[bucket >> 6] &= ~(1UL << (bucket & 63));
        }
    }

    /// <summary>The key with the least free space of at least <paramref name="need"/> (to 256 MiB) that <paramref name="accept"/> takes.</summary>
    public int? BestFit(long need, Func<int, long> freeOf, Func<int, bool> accept)
    {
        for (var bucket = NextNonEmpty(Bucket(need)); bucket >= 0; bucket = NextNonEmpty(bucket + 1))
        {
            foreach (var key in _buckets[bucket]!)
            {
                if (freeOf(key) >= need && accept(key))
                {
                    return key;
                }
            }
        }

        return null;
    }

    /// <summary>The key with the most free space, at least <paramref name="need"/>, that <paramref name="accept"/> takes.</summary>
    public int? Largest(long need, Func<int, long> freeOf, Func<int, bool> accept)
    {
        var lowest = Bucket(need);
        for (var bucket = _buckets.Length - 1; bucket >= lowest; bucket--)
        {
            if (_buckets[bucket] is not { Count: > 0 } set)
            {
                continue;
            }

            int? best = null;
            foreach (var key in set)
            {
                if (freeOf(key) >= need && accept(key) && (best is null || freeOf(key) > freeOf(best.Value)))
                {
                    best = key;
                }
            }

            if (best is not null)
            {
                return best;
            }
        }

        return null;
    }

    private static int Bucket(long bytes) => (int)(Math.Max(0, bytes) >> Shift);

    private int NextNonEmpty(int from)
    {
        if (from >= _buckets.Length)
        {
            return -1;
        }

        var word = from >> 6;
        var bits = _nonEmpty[word] & (ulong.MaxValue << (from & 63));
        while (true)
        {
            if (bits != 0)
            {
                return (word << 6) + BitOperations.TrailingZeroCount(bits);
            }

            if (++word >= _nonEmpty.Length)
            {
                return -1;
            }

            bits = _nonEmpty[word];
        }
    }
}
