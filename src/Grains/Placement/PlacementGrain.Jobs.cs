using GpuSharing.Grains.Interfaces.Gpus;
using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Nodes;
using GpuSharing.Grains.Planning.Placement;
using Microsoft.Extensions.Logging;

namespace GpuSharing.Grains.Placement;

/// <summary>Repartition jobs: GPUs to be repartitioned before the replicas waiting for them are reserved.</summary>
public sealed partial class PlacementGrain
{
    private RepartitionJob Job(ReplicaAssignment assignment)
    {
        var target = new PartitionLayout(assignment.ComputeMode, assignment.MemoryMode);
        var job = _jobs.FirstOrDefault(j => j.Node == assignment.Node && j.Gpu == assignment.Gpu);
        if (job is null)
        {
            job = new RepartitionJob(assignment.Node, assignment.Gpu, target, time.GetUtcNow());
            _jobs.Add(job);
        }

        return job;
    }

    /// <summary>Starts jobs (one node-wide change per node at a time) and finishes those whose operation ended.</summary>
    private async Task AdvanceJobsAsync(CancellationToken cancellationToken)
    {
        foreach (var job in _jobs.ToList())
        {
            try
            {
                await AdvanceAsync(job, cancellationToken);
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                LogJobError(logger, ex, job.Node, job.Gpu);
            }
        }

        if (_jobs.Count == 0)
        {
            _jobTimer?.Dispose();
            _jobTimer = null;
        }
    }

    private async Task AdvanceAsync(RepartitionJob job, CancellationToken cancellationToken)
    {
        var node = GrainFactory.GetGrain<INodeGrain>(job.Node);
        var gpu = await node.GetGpuAsync(job.Gpu);
        if (gpu is null || time.GetUtcNow() - job.CreatedAt > JobTimeout)
        {
            await FailAsync(job, gpu is null ? "the GPU disappeared" : "the repartition did not finish in time", cancellationToken);
            return;
        }

        if (job.OperationId is null)
        {
            if (gpu.ComputeMode == job.Target.ComputeMode && gpu.MemoryMode == job.Target.MemoryMode && gpu.State == GpuState.Ready)
            {
                await CompleteAsync(job, gpu, cancellationToken);
                return;
            }

            if (gpu.State is GpuState.Unreachable || _jobs.Any(other => other != job && other.Node == job.Node && other.NodeWide && other.OperationId is not null))
            {
                return; // wait for the node, or for the node-wide change already under way
            }

            var decision = await node.RequestPartitioningAsync(job.Gpu, new PartitioningRequest(job.Target.ComputeMode, job.Target.MemoryMode), cancellationToken);
            switch (decision.Outcome)
            {
                case PartitioningOutcome.Accepted:
                    job.OperationId = decision.Operation!.Id;
                    job.NodeWide = decision.Operation.Scope == OperationScope.Node;
                    LogJobStarted(logger, job.Node, job.Gpu, job.Target.ToString(), job.OperationId);
                    break;
                case PartitioningOutcome.Busy when decision.Blockers.All(b => b.Kind == BlockerKind.Operation):
                    break; // another reconfiguration runs on the node: try again on the next tick
                default:
                    await FailAsync(job, decision.Reason ?? decision.Outcome.ToString(), cancellationToken);
                    break;
            }

            return;
        }

        if (gpu.Operation?.Id != job.OperationId || gpu.Operation.IsRunning)
        {
            return;
        }

        if (gpu.Operation.Status == OperationStatus.Succeeded && gpu.ComputeMode == job.Target.ComputeMode)
        {
            await CompleteAsync(job, gpu, cancellationToken);
        }
        else if (gpu.Operation.Status == OperationStatus.Succeeded)
        {
            job.OperationId = null; // the node-wide change is done; this GPU still needs its own compute mode
        }
        else
        {
            await FailAsync(job, $"the repartition {gpu.Operation.Status}: {gpu.Operation.Error}", cancellationToken);
        }
    }

    private async Task CompleteAsync(RepartitionJob job, GpuView gpu, CancellationToken cancellationToken)
    {
        _jobs.Remove(job);
        _gpus[Gpu(job.Node, job.Gpu)] = gpu;
        var touched = new HashSet<string>(StringComparer.Ordinal);
        foreach (var assignment in job.Waiting)
        {
            touched.Add(assignment.Deployment);
            if (await ReserveAsync(assignment, cancellationToken) is { } refusal)
            {
                await WithdrawAsync(assignment.Deployment, [refusal], cancellationToken);
            }
        }

        LogJobFinished(logger, job.Node, job.Gpu, job.Target.ToString(), job.Waiting.Count);
        foreach (var deployment in touched)
        {
            Notify(Update(deployment));
        }
    }


    private Task FailAsync(RepartitionJob job, string reason, CancellationToken cancellationToken)
    {
        _jobs.Remove(job);
        _dirty = true; // the engine counted on a layout the GPU does not have
        LogJobFailed(logger, job.Node, job.Gpu, job.Target.ToString(), reason);
        foreach (var deployment in job.Waiting.Select(w => w.Deployment).Distinct(StringComparer.Ordinal))
        {
            _unplaced[deployment] = [.. job.Waiting.Where(w => w.Deployment == deployment).Select(w => new UnplacedReplicaInfo(w.Replica, new PlacementExplanation(
                $"Replica {w.Replica}: GPU {job.Node}/{job.Gpu} could not be repartitioned to {job.Target} ({reason}); it will be placed again.",
                new Dictionary<RejectionReason, int> { [RejectionReason.NotSchedulable] = 1 },
                [new GpuRejection(job.Node, job.Gpu, RejectionReason.NotSchedulable, reason)],
                1)))];
            Notify(Update(deployment));
        }

        return Task.CompletedTask;
    }

    // After a release there is room: deployments still waiting try again, highest priority first.

    [LoggerMessage(Level = LogLevel.Information, Message = "Repartitioning {Node}/{Gpu} to {Target} (operation {Operation})")]
    private static partial void LogJobStarted(ILogger logger, string node, int gpu, string target, string operation);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Node}/{Gpu} is {Target}: reserving {Count} waiting replica(s)")]
    private static partial void LogJobFinished(ILogger logger, string node, int gpu, string target, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Repartitioning {Node}/{Gpu} to {Target} failed: {Reason}")]
    private static partial void LogJobFailed(ILogger logger, string node, int gpu, string target, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Advancing the repartition of {Node}/{Gpu} failed; retrying")]
    private static partial void LogJobError(ILogger logger, Exception exception, string node, int gpu);
}
