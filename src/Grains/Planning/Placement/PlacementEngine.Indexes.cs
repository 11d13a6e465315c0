using GpuSharing.Grains.Hardware.Catalog;
using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Planning.Placement;

/// <summary>Indexes over GPUs (by layout and free partitions, free bytes of shared partitions, empty GPUs by rank) and small helpers.</summary>
public sealed partial class PlacementEngine
{
    private void Index(GpuSlot gpu)
    {
        if (!gpu.Schedulable || gpu.Indexed)
        {
            return;
        }

        gpu.Indexed = true;
        if (gpu.Count == 0)
        {
            gpu.IndexedRank = RankOf(gpu);
            EmptySet(gpu.Family, gpu.Mode).Add((gpu.IndexedRank, gpu.Id));
            return;
        }

        var index = ModeIndexOf(gpu.Family, gpu.Mode, gpu.Usable);
        gpu.IndexedFreeParts = gpu.FreeParts();
        if (gpu.IndexedFreeParts > 0)
        {
            (index.ByFreeParts[gpu.IndexedFreeParts] ??= []).Add(gpu.Id);
        }

        for (var p = 0; p < gpu.Parts; p++)
        {
            gpu.IndexedFree[p] = gpu.Free[p];
            if (!gpu.Exclusive[p] && gpu.Free[p] > 0)
            {
                index.Shared.Add((gpu.Id << 3) | p, gpu.Free[p]);
            }
        }
    }

    private void Unindex(GpuSlot gpu)
    {
        if (!gpu.Indexed)
        {
            return;
        }

        gpu.Indexed = false;
        if (gpu.Count == 0)
        {
            EmptySet(gpu.Family, gpu.Mode).Remove((gpu.IndexedRank, gpu.Id));
            return;
        }

        var index = _modeIndexes[Key(gpu.Family, gpu.Mode)];
        if (gpu.IndexedFreeParts > 0)
        {
            index.ByFreeParts[gpu.IndexedFreeParts]!.Remove(gpu.Id);
        }

        for (var p = 0; p < gpu.Parts; p++)
        {
            index.Shared.Remove((gpu.Id << 3) | p, gpu.IndexedFree[p]);
        }
    }

    // Empty GPUs on nodes already in use come first, so that whole nodes stay free for node-wide changes.
    private void Rerank(NodeSlot node, int except)
    {
        foreach (var id in node.Gpus)
        {
            var gpu = _gpus[id];
            if (id != except && gpu.Count == 0 && gpu.Indexed)
            {
                Unindex(gpu);
                Index(gpu);
            }
        }
    }

    private int RankOf(GpuSlot gpu) => _nodes[gpu.Node].UsedGpus > 0 ? 0 : 1;

    private ModeIndex ModeIndexOf(int family, ComputeMode mode, long usable)
    {
        if (!_modeIndexes.TryGetValue(Key(family, mode), out var index))
        {
            index = new ModeIndex(_familyDeviceBytes[family] + (1L << 30));
            _modeIndexes[Key(family, mode)] = index;
        }

        index.Usable = Math.Min(index.Usable, usable);
        return index;
    }

    private SortedSet<(int Rank, int Gpu)> EmptySet(int family, ComputeMode mode)
    {
        if (!_empty.TryGetValue(Key(family, mode), out var set))
        {
            set = [];
            _empty[Key(family, mode)] = set;
        }

        return set;
    }

    private long ClassUsable(int family, ComputeMode mode) =>
        _modeIndexes.TryGetValue(Key(family, mode), out var index) && index.Usable < long.MaxValue
            ? index.Usable
            : _sizing.Usable(_familyDeviceBytes[family] / (int)mode);

    private long FreeOf(int key) => _gpus[key >> 3].Free[key & 7];

    // Pass 0 keeps replicas of a deployment on different nodes; pass 1 only on different GPUs.
    private bool Allowed(DeploymentSlot slot, GpuSlot gpu, int pass) =>
        gpu.Schedulable
        && gpu.Id != _evacuating
        && !gpu.Deployments.ContainsKey(slot.Name)
        && (slot.Demand?.Node is not { } pinned || _nodes[gpu.Node].Name == pinned)
        && (slot.Demand?.Gpu is not { } pinnedGpu || gpu.Index == pinnedGpu)
        && (pass > 0 || !_nodes[gpu.Node].Deployments.ContainsKey(slot.Name));

    private static int Key(int family, ComputeMode mode) => (family << 4) | (int)mode;

    private int FamilyId(GpuFamily family, long deviceBytes)
    {
        var id = _families.IndexOf(family);
        if (id < 0)
        {
            _families.Add(family);
            _familyDeviceBytes.Add(deviceBytes);
            return _families.Count - 1;
        }

        _familyDeviceBytes[id] = Math.Min(_familyDeviceBytes[id], deviceBytes);
        return id;
    }

    private DeploymentSlot Deployment(string name)
    {
        if (!_deployments.TryGetValue(name, out var slot))
        {
            slot = new DeploymentSlot(name);
            _deployments[name] = slot;
        }

        return slot;
    }

    private ReplicaAssignment Describe(SlotReservation r)
    {
        var gpu = _gpus[r.Gpu];
        var node = _nodes[gpu.Node];
        return new ReplicaAssignment(r.Deployment, r.Replica, node.Name, gpu.Index, r.First, r.Span, gpu.Mode, node.Memory, r.Bytes, gpu.PartitionBytes, r.Kv, r.FullKv, r.Priority, r.Isolation);
    }
}
