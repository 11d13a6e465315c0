using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Planning.Sizing;

namespace GpuSharing.Grains.Planning.Placement;

/// <summary>The state changes every decision is made of: assign, release, repartition, memory-mode change.</summary>
public sealed partial class PlacementEngine
{
    private void Assign(DeploymentSlot slot, int replica, GpuSlot gpu, int first, int span, long bytes, PartitionFit fit)
    {
        var demand = slot.Demand!;
        var reservation = new SlotReservation(demand.Deployment, replica, gpu.Id, first, span, bytes, demand.Priority, demand.Isolation, fit.KvBytes, fit.FullKv);
        Unindex(gpu);
        Apply(reservation);
        Index(gpu);
        slot.Replicas[replica] = reservation;
        _collector.Assigned.Add(Describe(reservation));
    }

    private void Apply(SlotReservation r)
    {
        var gpu = _gpus[r.Gpu];
        var node = _nodes[gpu.Node];
        var wasEmpty = gpu.Count == 0;
        gpu.Add(r);
        node.Deployments[r.Deployment] = node.Deployments.GetValueOrDefault(r.Deployment) + 1;
        if (wasEmpty && ++node.UsedGpus == 1)
        {
            Rerank(node, except: gpu.Id);
        }
    }

    private void Release(SlotReservation r)
    {
        var gpu = _gpus[r.Gpu];
        var node = _nodes[gpu.Node];
        Unindex(gpu);
        gpu.Remove(r);
        if (node.Deployments[r.Deployment] == 1)
        {
            node.Deployments.Remove(r.Deployment);
        }
        else
        {
            node.Deployments[r.Deployment]--;
        }

        if (_deployments.TryGetValue(r.Deployment, out var slot) && slot.Replicas.TryGetValue(r.Replica, out var current) && ReferenceEquals(current, r))
        {
            slot.Replicas.Remove(r.Replica);
        }

        if (gpu.Count == 0 && --node.UsedGpus == 0)
        {
            Rerank(node, except: gpu.Id);
        }

        Index(gpu);
    }

    private void SetMode(GpuSlot gpu, ComputeMode mode)
    {
        if (gpu.Mode == mode)
        {
            return;
        }

        _collector.Repartitions.Add(new RepartitionDecision(_nodes[gpu.Node].Name, gpu.Index, gpu.Mode, mode));
        Unindex(gpu);
        var partitionBytes = gpu.DeviceBytes / (int)mode;
        gpu.Configure(mode, partitionBytes, _sizing.Usable(partitionBytes));
        Index(gpu);
    }

    private void SetNodeMemory(NodeSlot node, MemoryMode memory)
    {
        _collector.MemoryModeChanges.Add(new MemoryModeDecision(node.Name, node.Memory, memory));
        foreach (var id in node.Gpus)
        {
            Unindex(_gpus[id]);
        }

        node.Memory = memory;
        foreach (var id in node.Gpus)
        {
            var gpu = _gpus[id];
            var family = _families[gpu.Family];
            Index(gpu);
            if (!family.IsValid(gpu.Mode, memory))
            {
                SetMode(gpu, family.ComputeModeAfterMemoryChange(gpu.Mode, memory));
            }
        }
    }
}
