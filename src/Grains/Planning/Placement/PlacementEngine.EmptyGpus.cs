using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Planning.Placement;

/// <summary>Empty GPUs: one already in the wanted layout, else a repartition, else (last) a node-wide memory change.</summary>
public sealed partial class PlacementEngine
{
    /// <summary>
    /// An empty GPU put in <paramref name="mode"/>: one already in it, else one whose node allows it (repartition),
    /// else one on an empty node whose memory mode changes (a driver reload; the last resort). Nodes in use first.
    /// </summary>
    private GpuSlot? OpenEmpty(DeploymentSlot slot, int family, ComputeMode mode, int pass)
    {
        if (_empty.TryGetValue(Key(family, mode), out var same))
        {
            foreach (var (_, id) in same)
            {
                var gpu = _gpus[id];
                if (Allowed(slot, gpu, pass) && _families[family].IsValid(mode, _nodes[gpu.Node].Memory))
                {
                    return gpu;
                }
            }
        }

        if (!_allowRepartition)
        {
            return null;
        }

        GpuSlot? repartition = null;
        foreach (var other in Modes.Where(m => m != mode))
        {
            if (!_empty.TryGetValue(Key(family, other), out var empties))
            {
                continue;
            }

            foreach (var (rank, id) in empties)
            {
                var gpu = _gpus[id];
                if (Allowed(slot, gpu, pass) && _families[family].IsValid(mode, _nodes[gpu.Node].Memory)
                    && (repartition is null || (rank, id).CompareTo((RankOf(repartition), repartition.Id)) < 0))
                {
                    repartition = gpu;
                    break;
                }
            }
        }

        if (repartition is not null)
        {
            SetMode(repartition, mode);
            return repartition;
        }

        // A node-wide memory change: only on a node with nothing on it.
        foreach (var node in _nodes.Where(n => n.Reachable && n.UsedGpus == 0 && !_families[family].IsValid(mode, n.Memory)))
        {
            var target = _families[family].MemoryModes.FirstOrDefault(m => _families[family].IsValid(mode, m));
            var gpu = node.Gpus.Select(g => _gpus[g]).FirstOrDefault(g => g.Family == family && g.Schedulable && Allowed(slot, g, pass));
            if (gpu is null || node.Gpus.Any(g => !_gpus[g].Schedulable) || !_families[family].IsValid(mode, target))
            {
                continue;
            }

            SetNodeMemory(node, target);
            SetMode(gpu, mode);
            return gpu;
        }

        return null;
    }
}
