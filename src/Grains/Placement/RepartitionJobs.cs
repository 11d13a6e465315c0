using GpuSharing.Grains.Interfaces.Gpus;
using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Planning.Placement;

namespace GpuSharing.Grains.Placement;

/// <summary>
/// The repartition jobs the placement grain owns: GPUs to be repartitioned before the replicas waiting for them are
/// reserved. Decides each job's next step from what the node answered (no I/O here: the grain calls the node and
/// reserves), so that the rules — one node-wide change per node at a time, a node-wide change followed by the GPU's
/// own compute mode, a deadline — are stated once and tested without a cluster.
/// </summary>
internal sealed class RepartitionJobs(TimeSpan timeout)
{
    private readonly List<RepartitionJob> _jobs = [];

    public int Count => _jobs.Count;

    public IReadOnlyList<RepartitionJob> All => _jobs;

    /// <summary>The job of the assignment's GPU, started now if there is none.</summary>
    public RepartitionJob For(ReplicaAssignment assignment, DateTimeOffset now)
    {
        var job = _jobs.FirstOrDefault(j => j.Node == assignment.Node && j.Gpu == assignment.Gpu);
        if (job is null)
        {
            job = new RepartitionJob(assignment.Node, assignment.Gpu, new PartitionLayout(assignment.ComputeMode, assignment.MemoryMode), now);
            _jobs.Add(job);
        }

        return job;
    }

    public void Remove(RepartitionJob job) => _jobs.Remove(job);

    /// <summary>
    /// The next step of <paramref name="job"/> given its GPU as the node shows it now (null: the GPU is gone). A
    /// node-wide change that succeeded while the GPU still needs its own compute mode makes the job request again on
    /// the next round.
    /// </summary>
    public (RepartitionJobStep Step, string? Reason) Next(RepartitionJob job, GpuView? gpu, DateTimeOffset now)
    {
        if (gpu is null)
        {
            return (RepartitionJobStep.Fail, "the GPU disappeared");
        }

        if (now - job.CreatedAt > timeout)
        {
            return (RepartitionJobStep.Fail, "the repartition did not finish in time");
        }

        if (job.OperationId is null)
        {
            if (gpu.ComputeMode == job.Target.ComputeMode && gpu.MemoryMode == job.Target.MemoryMode && gpu.State == GpuState.Ready)
            {
                return (RepartitionJobStep.Complete, null);
            }

            var nodeWideUnderWay = _jobs.Any(other => other != job && other.Node == job.Node && other.NodeWide && other.OperationId is not null);
            return gpu.State is GpuState.Unreachable || nodeWideUnderWay ? (RepartitionJobStep.Wait, null) : (RepartitionJobStep.Request, null);
        }

        if (gpu.Operation?.Id != job.OperationId || gpu.Operation.IsRunning)
        {
            return (RepartitionJobStep.Wait, null);
        }

        if (gpu.Operation.Status != OperationStatus.Succeeded)
        {
            return (RepartitionJobStep.Fail, $"the repartition {gpu.Operation.Status}: {gpu.Operation.Error}");
        }

        if (gpu.ComputeMode == job.Target.ComputeMode)
        {
            return (RepartitionJobStep.Complete, null);
        }

        job.OperationId = null; // the node-wide change is done; this GPU still needs its own compute mode (next round)
        return (RepartitionJobStep.Wait, null);
    }

    /// <summary>Takes the node's answer to a request: started, wait (another reconfiguration runs on the node), or fail.</summary>
    public (RepartitionJobStep Step, string? Reason) Accept(RepartitionJob job, PartitioningDecision decision)
    {
        switch (decision.Outcome)
        {
            case PartitioningOutcome.Accepted:
                job.OperationId = decision.Operation!.Id;
                job.NodeWide = decision.Operation.Scope == OperationScope.Node;
                return (RepartitionJobStep.Wait, null);
            case PartitioningOutcome.Busy when decision.Blockers.All(b => b.Kind == BlockerKind.Operation):
                return (RepartitionJobStep.Wait, null);
            default:
                return (RepartitionJobStep.Fail, decision.Reason ?? decision.Outcome.ToString());
        }
    }
}
