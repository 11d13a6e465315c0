using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Planning.Sizing;

namespace GpuSharing.Grains.Planning.Placement;

/// <summary>A GPU as the engine keeps it: layout, free bytes and exclusivity per partition, its reservations.</summary>
internal sealed class GpuSlot(int id, int node, int index, int family, bool schedulable)
{
    private readonly List<SlotReservation>[] _partitions = [.. Enumerable.Range(0, 8).Select(_ => new List<SlotReservation>())];

    public int Id { get; } = id;

    public int Node { get; } = node;

    public int Index { get; } = index;

    public int Family { get; } = family;

    public bool Schedulable { get; } = schedulable;

    public ComputeMode Mode { get; private set; }

    public int Parts { get; private set; }

    public long PartitionBytes { get; private set; }

    public long Usable { get; private set; }

    public long DeviceBytes => PartitionBytes * Parts;

    public long[] Free { get; } = new long[8];

    public bool[] Exclusive { get; } = new bool[8];

    public Dictionary<string, int> Deployments { get; } = new(StringComparer.Ordinal);

    public int Count { get; private set; }

    public bool Indexed { get; set; }

    public int IndexedRank { get; set; }

    public int IndexedFreeParts { get; set; }

    public long[] IndexedFree { get; } = new long[8];

    public void Configure(ComputeMode mode, long partitionBytes, long usable)
    {
        Mode = mode;
        Parts = (int)mode;
        PartitionBytes = partitionBytes;
        Usable = usable;
        for (var p = 0; p < 8; p++)
        {
            Free[p] = p < Parts ? usable : 0;
            Exclusive[p] = false;
            _partitions[p].Clear();
        }
    }

    public PartitionFit? Fit(ReplicaSize size, int span) => span <= Parts ? size.Fit(Usable, span) : null;

    public int FreeParts()
    {
        var free = 0;
        for (var p = 0; p < Parts; p++)
        {
            if (_partitions[p].Count == 0)
            {
                free++;
            }
        }

        return free;
    }

    /// <summary>The first block of <paramref name="span"/> empty partitions aligned on <paramref name="span"/>.</summary>
    public int? FreeBlock(int span)
    {
        for (var first = 0; first + span <= Parts; first += span)
        {
            var free = true;
            for (var p = first; p < first + span && free; p++)
            {
                free = _partitions[p].Count == 0;
            }

            if (free)
            {
                return first;
            }
        }

        return null;
    }

    public IReadOnlyList<SlotReservation> PartitionReservations(int partition) => _partitions[partition];

    public bool HoldsPriorityAtLeast(Priority priority)
    {
        for (var p = 0; p < Parts; p++)
        {
            foreach (var r in _partitions[p])
            {
                if (r.Priority >= priority)
                {
                    return true;
                }
            }
        }

        return false;
    }

    public bool HoldsPriorityAtMost(Priority priority)
    {
        for (var p = 0; p < Parts; p++)
        {
            foreach (var r in _partitions[p])
            {
                if (r.Priority <= priority)
                {
                    return true;
                }
            }
        }

        return false;
    }

    public IEnumerable<SlotReservation> Reservations() =>
        Enumerable.Range(0, Parts).SelectMany(p => _partitions[p]).Distinct().OrderBy(r => r.First).ThenBy(r => r.Deployment, StringComparer.Ordinal).ThenBy(r => r.Replica);

    public void Add(SlotReservation r)
    {
        for (var p = r.First; p < r.First + r.Span; p++)
        {
            _partitions[p].Add(r);
            Free[p] -= r.Bytes;
            Exclusive[p] |= r.Isolation == Isolation.Exclusive;
        }

        Count++;
        Deployments[r.Deployment] = Deployments.GetValueOrDefault(r.Deployment) + 1;
    }

    public void Remove(SlotReservation r)
    {
        for (var p = r.First; p < r.First + r.Span; p++)
        {
            _partitions[p].Remove(r);
            Free[p] += r.Bytes;
            Exclusive[p] = _partitions[p].Any(x => x.Isolation == Isolation.Exclusive);
        }

        Count--;
        if (Deployments[r.Deployment] == 1)
        {
            Deployments.Remove(r.Deployment);
        }
        else
        {
            Deployments[r.Deployment]--;
        }
    }
}
