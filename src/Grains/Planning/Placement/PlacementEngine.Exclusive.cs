namespace GpuSharing.Grains.Planning.Placement;

/// <summary>Exclusive replicas: a partition (or an aligned block of them) of their own.</summary>
public sealed partial class PlacementEngine
{
    private bool TryExclusive(DeploymentSlot slot, int replica, int pass)
    {
        var options = ExclusiveOptions(slot);

        // 1. A GPU already in use, in the right layout, with enough free partitions: no new GPU, no repartition.
        foreach (var option in options.Where(o => o.Fit.FullKv))
        {
            if (FindUsedForExclusive(slot, option, pass) is { } found)
            {
                Assign(slot, replica, _gpus[found.Gpu], found.First, option.Span, option.Fit.BytesPerPartition, option.Fit);
                return true;
            }
        }

        // 2. An empty GPU, in the smallest partition that holds the replica with its full KV cache.
        foreach (var option in options.Where(o => o.Fit.FullKv))
        {
            if (OpenEmpty(slot, option.Family, option.Mode, pass) is { } gpu)
            {
                Assign(slot, replica, gpu, 0, option.Span, gpu.Fit(slot.Demand!.Size, option.Span)!.BytesPerPartition, gpu.Fit(slot.Demand.Size, option.Span)!);
                return true;
            }
        }

        // 3. A smaller KV cache (down to the minimum): the largest partitions first, to keep as much as possible.
        foreach (var option in options.Where(o => !o.Fit.FullKv).OrderByDescending(o => o.Fraction).ThenBy(o => o.Span))
        {
            if (FindUsedForExclusive(slot, option, pass) is { } found)
            {
                var gpu = _gpus[found.Gpu];
                var fit = gpu.Fit(slot.Demand!.Size, option.Span)!;
                Assign(slot, replica, gpu, found.First, option.Span, fit.BytesPerPartition, fit);
                return true;
            }

            if (OpenEmpty(slot, option.Family, option.Mode, pass) is { } empty)
            {
                var fit = empty.Fit(slot.Demand!.Size, option.Span)!;
                Assign(slot, replica, empty, 0, option.Span, fit.BytesPerPartition, fit);
                return true;
            }
        }

        return false;
    }

    private List<ExclusiveOption> ExclusiveOptions(DeploymentSlot slot)
    {
        var demand = slot.Demand!;
        var options = new List<ExclusiveOption>();
        for (var family = 0; family < _families.Count; family++)
        {
            foreach (var mode in _families[family].ComputeModes)
            {
                var usable = ClassUsable(family, mode);
                foreach (var span in Spans)
                {
                    if (span <= (int)mode && span <= demand.MaxTensorParallel && demand.Size.Fit(usable, span) is { } fit)
                    {
                        options.Add(new ExclusiveOption(family, mode, span, fit, (double)span / (int)mode));
                    }
                }
            }
        }

        return [.. options.OrderBy(o => o.Fraction).ThenBy(o => o.Span).ThenBy(o => o.Family).ThenBy(o => o.Mode)];
    }

    private (int Gpu, int First)? FindUsedForExclusive(DeploymentSlot slot, ExclusiveOption option, int pass)
    {
        if (!_modeIndexes.TryGetValue(Key(option.Family, option.Mode), out var index))
        {
            return null;
        }

        for (var free = option.Span; free <= 8; free++)
        {
            if (index.ByFreeParts[free] is not { Count: > 0 } gpus)
            {
                continue;
            }

            foreach (var id in gpus)
            {
                var gpu = _gpus[id];
                if (!Allowed(slot, gpu, pass) || gpu.Fit(slot.Demand!.Size, option.Span) is not { } fit || (option.Fit.FullKv && !fit.FullKv))
                {
                    continue;
                }

                if (gpu.FreeBlock(option.Span) is { } first)
                {
                    return (id, first);
                }
            }
        }

        return null;
    }
}
