using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Planning.Placement;

/// <summary>Shared replicas: a partition of their own where one is free, else best fit into shared partitions.</summary>
public sealed partial class PlacementEngine
{
    private bool TryShared(DeploymentSlot slot, int replica, int pass)
    {
        var size = slot.Demand!.Size;

        // 1. A partition of its own on a GPU already in use (isolation that costs no GPU), the smallest that holds it;
        //    else best fit into a shared partition of a GPU already in use, with the full KV cache.
        (int Gpu, int Partition, long Usable)? own = null;
        foreach (var (key, index) in _modeIndexes.OrderBy(i => i.Key))
        {
            if (size.Fit(index.Usable, 1) is not { FullKv: true } || (own is { } current && current.Usable <= index.Usable))
            {
                continue;
            }

            for (var free = 1; free <= 8 && own?.Usable != index.Usable; free++)
            {
                foreach (var id in index.ByFreeParts[free] ?? [])
                {
                    if (Allowed(slot, _gpus[id], pass) && size.Fit(_gpus[id].Usable, 1) is { FullKv: true } && _gpus[id].FreeBlock(1) is { } partition)
                    {
                        own = (id, partition, index.Usable);
                        break;
                    }
                }
            }
        }

        if (own is { } isolated)
        {
            var gpu = _gpus[isolated.Gpu];
            var fit = size.Fit(gpu.Usable, 1)!;
            Assign(slot, replica, gpu, isolated.Partition, 1, fit.BytesPerPartition, fit);
            return true;
        }

        (int Key, long Leftover, long Need)? best = null;
        foreach (var (key, index) in _modeIndexes.OrderBy(i => i.Key))
        {
            if (size.Fit(index.Usable, 1) is not { FullKv: true } fit)
            {
                continue;
            }

            var found = index.Shared.BestFit(fit.BytesPerPartition, FreeOf, k => Allowed(slot, _gpus[k >> 3], pass));
            if (found is { } partition && (best is null || FreeOf(partition) - fit.BytesPerPartition < best.Value.Leftover))
            {
                best = (partition, FreeOf(partition) - fit.BytesPerPartition, fit.BytesPerPartition);
            }
        }

        if (best is { } chosen)
        {
            var gpu = _gpus[chosen.Key >> 3];
            Assign(slot, replica, gpu, chosen.Key & 7, 1, chosen.Need, size.Fit(gpu.Usable, 1)!);
            return true;
        }

        // 2. An empty GPU: large partitions pack shared replicas best; keep a GPU's layout where it already fits.
        if (OpenEmptyForShared(slot, fullKv: true, pass) is { } opened)
        {
            var fit = size.Fit(opened.Usable, 1)!;
            Assign(slot, replica, opened, 0, 1, fit.BytesPerPartition, fit);
            return true;
        }

        // 3. A smaller KV cache: the partition in use with the most room, then an empty GPU.
        (int Key, long Free)? largest = null;
        foreach (var (_, index) in _modeIndexes.OrderBy(i => i.Key))
        {
            var found = index.Shared.Largest(size.MinimumBytes(), FreeOf, k => Allowed(slot, _gpus[k >> 3], pass) && size.Fit(FreeOf(k), 1) is not null);
            if (found is { } partition && (largest is null || FreeOf(partition) > largest.Value.Free))
            {
                largest = (partition, FreeOf(partition));
            }
        }

        if (largest is { } roomiest)
        {
            var gpu = _gpus[roomiest.Key >> 3];
            var fit = size.Fit(Math.Min(roomiest.Free, gpu.Usable), 1)!;
            Assign(slot, replica, gpu, roomiest.Key & 7, 1, fit.BytesPerPartition, fit);
            return true;
        }

        if (OpenEmptyForShared(slot, fullKv: false, pass) is { } shrunk)
        {
            var fit = size.Fit(shrunk.Usable, 1)!;
            Assign(slot, replica, shrunk, 0, 1, fit.BytesPerPartition, fit);
            return true;
        }

        return false;
    }

    private GpuSlot? OpenEmptyForShared(DeploymentSlot slot, bool fullKv, int pass)
    {
        var size = slot.Demand!.Size;
        bool Fits(int family, ComputeMode mode) => size.Fit(ClassUsable(family, mode), 1) is { } fit && (fit.FullKv || !fullKv);

        // An empty GPU whose layout already fits, largest partitions first: no repartition.
        for (var family = 0; family < _families.Count; family++)
        {
            foreach (var mode in Modes.Where(m => _families[family].ComputeModes.Contains(m) && Fits(family, m)))
            {
                if (_empty.TryGetValue(Key(family, mode), out var empties))
                {
                    foreach (var (_, id) in empties)
                    {
                        var gpu = _gpus[id];
                        if (Allowed(slot, gpu, pass) && _families[family].IsValid(mode, _nodes[gpu.Node].Memory))
                        {
                            return gpu;
                        }
                    }
                }
            }
        }

        // Otherwise repartition an empty GPU to the largest partitions its node's memory mode allows.
        for (var family = 0; family < _families.Count; family++)
        {
            foreach (var mode in Modes.Where(m => _families[family].ComputeModes.Contains(m) && Fits(family, m)))
            {
                if (OpenEmpty(slot, family, mode, pass) is { } gpu)
                {
                    return gpu;
                }
            }
        }

        return null;
    }
}
